// The visibility query behind every list: only what the filters ask, and never the earlier run of a
// case that continued as new (it keeps the search attributes of its day, so it would list the case
// twice, once with stale values).
import { describe, expect, it } from 'vitest';
import { listQuery } from '../../client/cases.js';
import { bedrijfsartsKey, casemanagerKey } from '../../workflows/case-model.js';

describe('the list query', () => {
  it('leaves out runs that continued as new, whatever the filters', () => {
    expect(listQuery({})).toBe("WorkflowType = 'caseWorkflow' AND ExecutionStatus != 'ContinuedAsNew'");
    expect(listQuery({ team: 'noord', status: 'open' })).toContain("ExecutionStatus != 'ContinuedAsNew'");
  });

  it('finds people by the hash of their address, teams and dates as given, quotes escaped', () => {
    const q = listQuery({
      casemanagerEmail: 'Anna@Arbo.example',
      bedrijfsartsEmail: 'arts@arbo.example',
      team: "team 'noord'",
      deadlineBefore: '2026-03-10',
      overdue: true,
    });
    expect(q).toContain(`CasemanagerId = '${casemanagerKey('anna@arbo.example')}'`);
    expect(q).toContain(`BedrijfsartsId = '${bedrijfsartsKey('arts@arbo.example')}'`);
    // The same address as casemanager and as bedrijfsarts: two different keys.
    expect(bedrijfsartsKey('x@arbo.example')).not.toBe(casemanagerKey('x@arbo.example'));
    expect(q).toContain("CaseTeam = 'team \\'noord\\''");
    expect(q).toContain("NextDeadline < '2026-03-10T00:00:00Z'");
    expect(q).toContain('OverdueTasks > 0');
    expect(q).not.toContain('anna');
  });
});
