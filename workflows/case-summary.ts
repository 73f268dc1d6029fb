// The compact summary of a case that lists need: who and what the case is about, and its open tasks
// with their due dates. The case keeps it in its memo, which the codec encrypts and visibility returns
// with every listed case, so a task list of hundreds of cases is one visibility call and never a query
// per case (a query on a case outside the worker's cache replays its whole history). Version 2 holds
// what the daily digest needs besides (the languages, which tasks are postponed), so that the digest
// too reads summaries only. Pure.
import type { CalendarResult } from './calendar/index.js';
import type { CaseState, Language } from './case-model.js';

/** The memo field that holds the summary. */
export const SUMMARY_MEMO = 'summary';

export interface CaseSummary {
  /** 2: with the languages and postponements; absent in the summaries of before (the digest reads the case then). */
  version?: 2;
  ruleset: string;
  employee: string;
  employer: { id: string; name: string; language?: Language };
  casemanager: { name: string; email: string; language?: Language };
  /** The open tasks (open, overdue or postponed), by due date: titles and legal basis are the rule set's. */
  tasks: { id: string; due: string; postponed?: true }[];
}

/** `version2`: the summary the digest reads (a case asks patched() before it writes one). */
export function caseSummary(state: CaseState, calendar: CalendarResult, version2 = false): CaseSummary {
  const { open } = state;
  const tasks =
    state.status === 'closed'
      ? []
      : calendar.milestones
          .filter((m) => m.isTask && (m.status === 'open' || m.status === 'overdue' || m.status === 'postponed'))
          .map((m) => ({
            id: m.id,
            due: m.due,
            ...(version2 && m.status === 'postponed' && { postponed: true as const }),
          }))
          .sort((a, b) => a.due.localeCompare(b.due) || a.id.localeCompare(b.id));
  const lang = (language: Language | undefined) => (version2 && language ? { language } : {});
  return {
    ...(version2 && { version: 2 as const }),
    ruleset: calendar.ruleset,
    employee: open.employee.displayName,
    employer: { id: open.employer.id, name: open.employer.name, ...lang(open.employer.language) },
    casemanager: { name: open.casemanager.name, email: open.casemanager.email, ...lang(open.casemanager.language) },
    tasks,
  };
}
