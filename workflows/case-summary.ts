// The compact summary of a case that lists need: who and what the case is about, and its open tasks
// with their due dates. The case keeps it in its memo, which the codec encrypts and visibility returns
// with every listed case, so a task list of hundreds of cases is one visibility call and never a query
// per case (a query on a case outside the worker's cache replays its whole history). Pure.
import type { CalendarResult } from './calendar/index.js';
import type { CaseState } from './case-model.js';

/** The memo field that holds the summary. */
export const SUMMARY_MEMO = 'summary';

export interface CaseSummary {
  ruleset: string;
  employee: string;
  employer: { id: string; name: string };
  casemanager: { name: string; email: string };
  /** The open tasks (open, overdue or postponed), by due date: titles and legal basis are the rule set's. */
  tasks: { id: string; due: string }[];
}

export function caseSummary(state: CaseState, calendar: CalendarResult): CaseSummary {
  const { open } = state;
  const tasks =
    state.status === 'closed'
      ? []
      : calendar.milestones
          .filter((m) => m.isTask && (m.status === 'open' || m.status === 'overdue' || m.status === 'postponed'))
          .map((m) => ({ id: m.id, due: m.due }))
          .sort((a, b) => a.due.localeCompare(b.due) || a.id.localeCompare(b.id));
  return {
    ruleset: calendar.ruleset,
    employee: open.employee.displayName,
    employer: { id: open.employer.id, name: open.employer.name },
    casemanager: { name: open.casemanager.name, email: open.casemanager.email },
    tasks,
  };
}
