// The task list's rows and groups, without a server: overdue first by days late, then what falls
// due within 10 working days (counted past Christmas and New Year's Day), then later; filters by
// employer, task, owner and "alleen te laat". Today is pinned: Monday 21 December 2026.
import { describe, expect, it } from 'vitest';
import { groupTasks, renderTasksPage, taskRows } from '../../service/pages/tasks-page.js';
import type { CaseSummary } from '../../workflows/case-summary.js';

const today = '2026-12-21';
const summary = (employer: string, tasks: { id: string; due: string }[]): CaseSummary => ({
  ruleset: 'wvp-2026',
  employee: `werknemer van ${employer}`,
  employer: { id: employer, name: `Werkgever ${employer}` },
  casemanager: { name: 'Anna', email: 'anna@arbo.example' },
  tasks,
});
const cases = [
  {
    caseId: 'K-1',
    summary: summary('wg-1', [
      { id: 'ziekmelding', due: '2026-12-14' }, // 7 days late
      { id: 'probleemanalyse', due: '2027-01-06' }, // the 10th working day: soon
    ]),
  },
  {
    caseId: 'K-2',
    summary: summary('wg-2', [
      { id: 'plan-van-aanpak', due: '2026-12-20' }, // 1 day late
      { id: 'evaluatie', due: '2027-01-07' }, // the 11th working day: later
    ]),
  },
  { caseId: 'K-3' }, // no summary yet
];

describe('the task list', () => {
  it('overdue first (most days late on top), then within 10 working days, then later', () => {
    const groups = groupTasks(taskRows(cases, today, {}), today);
    const ids = (rows: { caseId: string; task: string; daysLate: number }[]) =>
      rows.map((r) => `${r.caseId} ${r.task} ${r.daysLate}`);
    expect(ids(groups.late)).toEqual(['K-1 ziekmelding 7', 'K-2 plan-van-aanpak 1']);
    expect(ids(groups.soon)).toEqual(['K-1 probleemanalyse 0']);
    expect(ids(groups.later)).toEqual(['K-2 evaluatie 0']);
  });

  it("filters by employer, task, owner and lateness; titles, owners and legal basis are the rule set's", () => {
    expect(taskRows(cases, today, { employer: 'wg-2' }).map((r) => r.task)).toEqual(['plan-van-aanpak', 'evaluatie']);
    expect(taskRows(cases, today, { task: 'ziekmelding' }).map((r) => r.caseId)).toEqual(['K-1']);
    expect(taskRows(cases, today, { lateOnly: true }).map((r) => r.task)).toEqual(['ziekmelding', 'plan-van-aanpak']);
    // A bedrijfsarts sees the bedrijfsarts' tasks; a werkgever also those shared with the employee.
    expect(taskRows(cases, today, { owners: ['bedrijfsarts'] }).map((r) => r.task)).toEqual(['probleemanalyse']);
    expect(taskRows(cases, today, { owners: ['werkgever'] }).map((r) => r.task)).toEqual([
      'ziekmelding',
      'plan-van-aanpak',
      'evaluatie',
    ]);
    const [row] = taskRows(cases, today, { task: 'probleemanalyse' });
    expect(row).toMatchObject({ title: 'Probleemanalyse door de bedrijfsarts', owner: 'bedrijfsarts' });
    expect(row!.legalBasis).toContain('Regeling procesgang');
  });

  it('says how many cases have no summary yet, and shows the counts per casemanager to a teamleider', () => {
    const rows = taskRows(cases, today, {});
    const html = renderTasksPage(rows, {
      lang: 'nl',
      today,
      filter: {},
      choices: { employers: [], tasks: [] },
      perCasemanager: true,
      withoutSummary: 1,
      mayRecord: () => true,
    });
    const text = html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('1 zaak heeft nog geen takenoverzicht');
    expect(text).toContain('Anna anna@arbo.example 2 1 1');
    expect(text).toContain('Ziekmelding bij arbodienst of bedrijfsarts 14-12-2026 7 dagen te laat');
  });
});
