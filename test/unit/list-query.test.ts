// The visibility query behind every list: only what the filters ask, and never the earlier run of a
// case that continued as new (it keeps the search attributes of its day, so it would list the case
// twice, once with stale values). People are found by keyed identifiers, and by the unkeyed hash the
// cases from before keep until their next round.
import { describe, expect, it } from 'vitest';
import { listQuery } from '../../client/cases.js';
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
