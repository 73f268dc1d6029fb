// The visibility query behind every list: only what the filters ask, and never the earlier run of a
// case that continued as new (it keeps the search attributes of its day, so it would list the case
// twice, once with stale values). People are found by keyed identifiers, and by the unkeyed hash the
// cases from before keep until their next round.
import { describe, expect, it } from 'vitest';
import { TypedSearchAttributes, type SearchAttributePair } from '@temporalio/common';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { listPlan, listQuery } from '../../client/cases.js';
import {
  BEDRIJFSARTS_ID,
  CASEMANAGER_ID,
  CASE_STATUS,
  EMPLOYER_ID,
  NEXT_DEADLINE,
  OVERDUE_TASKS,
} from '../../workflows/search-attributes.js';
import { generateKey, parseKeyring } from '../../runtime/codec.js';
import { searchKeys } from '../../runtime/search-keys.js';
import { legacyBedrijfsartsKey, legacyCasemanagerKey } from '../../workflows/case-model.js';

const keyA = generateKey();
const keys = searchKeys(parseKeyring(`a:${keyA}`));

describe('the list query', () => {
  it('leaves out runs that continued as new, whatever the filters', () => {
    expect(listQuery({})).toBe("WorkflowType = 'caseWorkflow' AND ExecutionStatus != 'ContinuedAsNew'");
    expect(listQuery({ team: 'noord', status: 'open' })).toContain("ExecutionStatus != 'ContinuedAsNew'");
  });

  it('finds people by both identifiers of their address, teams and dates as given, quotes escaped', () => {
    const q = listQuery(
      {
        casemanagerEmail: 'Anna@Arbo.example',
        bedrijfsartsEmail: 'arts@arbo.example',
        team: "team 'noord'",
        deadlineBefore: '2026-03-10',
        overdue: true,
      },
      keys,
    );
    expect(q).toContain(
      `CasemanagerId IN ('${keys.casemanager('anna@arbo.example')}', '${legacyCasemanagerKey('anna@arbo.example')}')`,
    );
    expect(q).toContain(
      `BedrijfsartsId IN ('${keys.bedrijfsarts('arts@arbo.example')}', '${legacyBedrijfsartsKey('arts@arbo.example')}')`,
    );
    expect(q).toContain("CaseTeam = 'team \\'noord\\''");
    expect(q).toContain("NextDeadline < '2026-03-10T00:00:00Z'");
    expect(q).toContain('OverdueTasks > 0');
    expect(q).not.toContain('anna');
  });
});

describe('the list plan: a person by the index of each identifier, the rest checked on what comes back', () => {
  const anna = keys.casemanager('anna@arbo.example');
  const arts = keys.bedrijfsarts('arts@arbo.example');
  function execution(status: string, pairs: SearchAttributePair[], taskQueue = 'cases'): WorkflowExecutionInfo {
    return { status: { name: status }, taskQueue, typedSearchAttributes: new TypedSearchAttributes(pairs) } as never;
  }
  const matching = () =>
    [
      { key: CASEMANAGER_ID, value: anna },
      { key: BEDRIJFSARTS_ID, value: arts },
      { key: CASE_STATUS, value: 'open' },
      { key: EMPLOYER_ID, value: 'wg-1' },
      { key: OVERDUE_TASKS, value: 2 },
      { key: NEXT_DEADLINE, value: new Date('2026-03-09T00:00:00Z') },
    ] as SearchAttributePair[];

  it('asks one equality per identifier, never an IN list or a status beside it', () => {
    const { queries } = listPlan({ casemanagerEmail: 'anna@arbo.example', status: 'open', running: true }, keys);
    expect(queries).toEqual([
      `WorkflowType = 'caseWorkflow' AND CasemanagerId = '${anna}'`,
      `WorkflowType = 'caseWorkflow' AND CasemanagerId = '${legacyCasemanagerKey('anna@arbo.example')}'`,
    ]);
    expect(listPlan({ bedrijfsartsEmail: 'arts@arbo.example' }, keys).queries[0]).toBe(
      `WorkflowType = 'caseWorkflow' AND BedrijfsartsId = '${arts}'`,
    );
  });

  it('keeps only what the whole filter asks, as the one query would', () => {
    const filter = {
      casemanagerEmail: 'anna@arbo.example',
      bedrijfsartsEmail: 'arts@arbo.example',
      status: 'open' as const,
      employerId: 'wg-1',
      overdue: true,
      deadlineBefore: '2026-03-10',
      running: true,
    };
    const { keep } = listPlan(filter, keys, 'cases');
    expect(keep(execution('RUNNING', matching()))).toBe(true);
    const without = (key: string) => matching().filter((p) => p.key.name !== key);
    for (const [why, e] of [
      ['an earlier run', execution('CONTINUED_AS_NEW', matching())],
      ['closed', execution('COMPLETED', matching())],
      ['another task queue', execution('RUNNING', matching(), 'elsewhere')],
      [
        'another bedrijfsarts',
        execution('RUNNING', [...without('BedrijfsartsId'), { key: BEDRIJFSARTS_ID, value: 'ba-x' }]),
      ],
      ['another employer', execution('RUNNING', [...without('EmployerId'), { key: EMPLOYER_ID, value: 'wg-2' }])],
      ['nothing overdue', execution('RUNNING', [...without('OverdueTasks'), { key: OVERDUE_TASKS, value: 0 }])],
      [
        'a later deadline',
        execution('RUNNING', [
          ...without('NextDeadline'),
          { key: NEXT_DEADLINE, value: new Date('2026-03-10T00:00:00Z') },
        ]),
      ],
      ['no deadline', execution('RUNNING', without('NextDeadline'))],
      ['closed as a case', execution('RUNNING', [...without('CaseStatus'), { key: CASE_STATUS, value: 'closed' }])],
    ] as const)
      expect(keep(e), why).toBe(false);
  });

  it('asks any other filter as one query', () => {
    expect(listPlan({ employerId: 'wg-1' }, keys, 'cases')).toMatchObject({
      queries: [`${listQuery({ employerId: 'wg-1' }, keys)} AND TaskQueue = 'cases'`],
    });
  });
});

describe('searchable identifiers', () => {
  it('are keyed: another key ring gives other identifiers, no guess of an address finds them without it', () => {
    const other = searchKeys(parseKeyring(`a:${generateKey()}`));
    expect(keys.casemanager('anna@arbo.example')).toMatch(/^cm-[0-9a-f]{32}$/);
    expect(other.casemanager('anna@arbo.example')).not.toBe(keys.casemanager('anna@arbo.example'));
    // Not the unkeyed hash anyone can compute from the address.
    expect(keys.casemanager('anna@arbo.example')).not.toBe(legacyCasemanagerKey('anna@arbo.example'));
  });

  it('stay the same when a key is added and made current (rotation), for the same person however typed', () => {
    const rotated = searchKeys(parseKeyring(`a:${keyA}\nb:${generateKey()}`));
    expect(rotated.casemanager(' Anna@ARBO.example ')).toBe(keys.casemanager('anna@arbo.example'));
  });

  it('are found under every key of the ring: a ring whose first key changed still finds the cases of before', () => {
    const reordered = searchKeys(parseKeyring(`b:${generateKey()}\na:${keyA}`));
    expect(reordered.casemanager('anna@arbo.example')).not.toBe(keys.casemanager('anna@arbo.example'));
    const q = listQuery({ casemanagerEmail: 'anna@arbo.example' }, reordered);
    expect(q).toContain(`'${keys.casemanager('anna@arbo.example')}'`);
    expect(q).toContain(`'${reordered.casemanager('anna@arbo.example')}'`);
    expect(q).toContain(`'${legacyCasemanagerKey('anna@arbo.example')}'`);
  });

  it('differ between roles: the same address as casemanager and as bedrijfsarts', () => {
    expect(keys.bedrijfsarts('x@arbo.example').slice(3)).not.toBe(keys.casemanager('x@arbo.example').slice(3));
    expect(legacyBedrijfsartsKey('x@arbo.example')).not.toBe(legacyCasemanagerKey('x@arbo.example'));
  });
});
