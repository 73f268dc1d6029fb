// The daily digest: per casemanager, the overdue tasks and those due in the next 10 working days,
// across all their open cases. Collecting reads the cases (visibility list + the `case` query), so it
// is activity work; the digest workflow only decides when and to whom.
import { Context } from '@temporalio/activity';
import { listQuery, getCase, type CaseClientOptions } from '../client/cases.js';
import { addWorkingDays, compareDates, type IsoDate } from '../workflows/calendar/index.js';
import { casemanagerKey, type Language } from '../workflows/case-model.js';
import { CASEMANAGER_ID } from '../workflows/search-attributes.js';
import type { NotificationTask } from './notifications.js';

/** How far ahead the digest looks. */
export const DIGEST_WORKING_DAYS_AHEAD = 10;

export interface DigestItem {
  caseId: string;
  employeeName: string;
  employerName: string;
  task: NotificationTask;
}

export interface Digest {
  /** The Amsterdam date the digest is for (statuses are judged on it). */
  date: IsoDate;
  casemanager: { name: string; email: string; key: string };
  language: Language;
  /** Sorted by due date, then case and task. */
  overdue: DigestItem[];
  /** Due from `date` up to and including the 10th working day after it; sorted the same way. */
  upcoming: DigestItem[];
}

export interface DigestFilter {
  /** Only this casemanager (the CasemanagerId search-attribute key, see casemanagerKey). */
  casemanagerKey?: string;
}

function byDue(a: DigestItem, b: DigestItem): number {
  return compareDates(a.task.due, b.task.due) || a.caseId.localeCompare(b.caseId) || a.task.id.localeCompare(b.task.id);
}

function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not inside an activity (plain calls from the CLI's --dry-run)
  }
}

/** The open cases' ids and casemanager keys, from visibility (no case is read). */
async function openCases(cases: CaseClientOptions, key?: string): Promise<{ caseId: string; key?: string }[]> {
  const plain = (v: string) => v.replace(/[^A-Za-z0-9._-]/g, '');
  // The cases of this deployment: those on the worker's task queue.
  const query =
    listQuery({ status: 'open' }) +
    (cases.taskQueue ? ` AND TaskQueue = '${plain(cases.taskQueue)}'` : '') +
    (key ? ` AND CasemanagerId = '${plain(key)}'` : '');
  const out: { caseId: string; key?: string }[] = [];
  for await (const execution of cases.client.workflow.list({ query })) {
    const k = execution.typedSearchAttributes.get(CASEMANAGER_ID);
    out.push({ caseId: execution.workflowId.replace(/^case-/, ''), ...(k && { key: k }) });
  }
  return out;
}

/** The casemanagers (search-attribute keys) with at least one open case. */
export async function digestRecipients(cases: CaseClientOptions): Promise<string[]> {
  const keys = new Set<string>();
  for (const c of await openCases(cases)) if (c.key) keys.add(c.key);
  return [...keys].sort();
}

/**
 * One digest per casemanager with something overdue or due soon on `date`; casemanagers with nothing
 * to do are left out. Language: the casemanager's own, else their employers' if they all agree, else
 * Dutch.
 */
export async function collectDigests(
  cases: CaseClientOptions,
  date: IsoDate,
  filter: DigestFilter = {},
): Promise<Digest[]> {
  const horizon = addWorkingDays(date, DIGEST_WORKING_DAYS_AHEAD);
  type Acc = Digest & { ownLanguage?: Language; employerLanguages: Set<Language | undefined> };
  const byCasemanager = new Map<string, Acc>();
  const open = await openCases(cases, filter.casemanagerKey);
  for (const [index, { caseId }] of open.entries()) {
    heartbeat({ read: index });
    let view;
    try {
      view = await getCase(cases, caseId, { asOf: date });
    } catch (err) {
      // A case closed between the list and the query no longer belongs in the digest.
      if ((err as Error).name === 'UnknownCaseError') continue;
      throw err;
    }
    if (view.status !== 'open') continue;
    const key = casemanagerKey(view.casemanager.email);
    if (filter.casemanagerKey && key !== filter.casemanagerKey) continue;
    let acc = byCasemanager.get(key);
    if (!acc) {
      acc = {
        date,
        casemanager: { name: view.casemanager.name, email: view.casemanager.email, key },
        language: 'nl',
        overdue: [],
        upcoming: [],
        employerLanguages: new Set(),
      };
      byCasemanager.set(key, acc);
    }
    acc.ownLanguage ??= view.casemanager.language;
    acc.employerLanguages.add(view.employer.language);
    for (const m of view.calendar.milestones) {
      if (!m.isTask) continue;
      const item: DigestItem = {
        caseId: view.caseId,
        employeeName: view.employee.displayName,
        employerName: view.employer.name,
        task: { id: m.id, title: m.title, due: m.due, owner: m.owner, legalBasis: m.legalBasis, status: m.status },
      };
      if (m.status === 'overdue') acc.overdue.push(item);
      else if ((m.status === 'open' || m.status === 'postponed') && compareDates(m.due, horizon) <= 0) {
        // An open task due before `date` counts as overdue (the case's own clock may lag a day).
        (compareDates(m.due, date) < 0 ? acc.overdue : acc.upcoming).push(item);
      }
    }
  }
  const digests: Digest[] = [];
  for (const { ownLanguage, employerLanguages, ...d } of byCasemanager.values()) {
    if (d.overdue.length + d.upcoming.length === 0) continue;
    const employers = [...employerLanguages];
    d.language = ownLanguage ?? ((employers.length === 1 && employers[0]) || 'nl');
    d.overdue.sort(byDue);
    d.upcoming.sort(byDue);
    digests.push(d);
  }
  return digests.sort((a, b) => a.casemanager.email.localeCompare(b.casemanager.email));
}
