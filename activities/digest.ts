// The daily digest: per casemanager, the overdue tasks and those due in the next 10 working days,
// across all their open cases. Collecting reads the cases, so it is activity work; the digest
// workflow only decides when and to whom. What it reads comes in as a CaseReader (the worker and the
// CLI give it one over the client library), so that activities never depend on the client.
//
// It reads the summaries the cases keep in their memo (case-summary.ts, version 2), which the list
// of open cases returns: one visibility call per casemanager, never a query per case. Only a case
// whose summary is from before version 2 (until its next round) is read with a query.
//
// Finding the casemanagers reads every open case of the deployment (tens of thousands), so it goes
// page by page and heartbeats after each page the next page's token and the addresses found so far.
// An attempt that fails (a worker crash, a timeout) leaves that heartbeat to the next one, which goes
// on from that page instead of from the first.
import { Context } from '@temporalio/activity';
import { amsterdamDate } from '../workflows/calendar/amsterdam-time.js';
import { addWorkingDays, compareDates, getRuleset, type IsoDate, type RulesetId } from '../workflows/calendar/index.js';
import type { CaseView } from '../workflows/case-api.js';
import type { Language } from '../workflows/case-model.js';
import type { CaseSummary } from '../workflows/case-summary.js';
import type { Digest, DigestFilter, DigestItem, DigestRecipient } from '../workflows/contract.js';

/** How far ahead the digest looks. */
export const DIGEST_WORKING_DAYS_AHEAD = 10;

/** An open case as visibility lists it: its CasemanagerId and its summary (absent in a case from before it). */
export interface OpenCase {
  caseId: string;
  casemanagerId?: string;
  summary?: CaseSummary;
}

/** One page of the open cases, and the token of the next page (absent after the last). */
export interface OpenCasesPage {
  cases: OpenCase[];
  nextPageToken?: string;
}

export interface CaseReader {
  /**
   * The open cases of this deployment, from visibility (no case is read), optionally only those with
   * one of these CasemanagerIds; with the casemanager's address when the case's summary names it.
   */
  openCases(casemanagerIds?: string[]): Promise<OpenCase[]>;
  /**
   * One page of that list: the first, or the one `pageToken` (an earlier page's `nextPageToken`)
   * points at. The token holds the server's position in the list, not a cursor it keeps, so a later
   * attempt of the activity can still use it.
   */
  openCasesPage(casemanagerIds: string[] | undefined, pageToken?: string): Promise<OpenCasesPage>;
  /** Every CasemanagerId a casemanager's cases may carry, the keyed one first (runtime/search-keys.ts). */
  casemanagerIds(email: string): string[];
  /** One case's record judged on `asOf`; undefined when there is no such case (any more). */
  readCase(caseId: string, asOf: IsoDate): Promise<CaseView | undefined>;
}

function byDue(a: DigestItem, b: DigestItem): number {
  return compareDates(a.task.due, b.task.due) || a.caseId.localeCompare(b.caseId) || a.task.id.localeCompare(b.task.id);
}

/** The activity context, or undefined outside an activity (plain calls from the CLI's --dry-run). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

function heartbeat(details: unknown): void {
  activityContext()?.heartbeat(details);
}

/** The CasemanagerId values of the open cases, as the digests from before keyed identifiers use them. */
export async function casemanagerIdsInUse(cases: CaseReader): Promise<string[]> {
  const ids = new Set<string>();
  for (const c of await cases.openCases()) if (c.casemanagerId) ids.add(c.casemanagerId);
  return [...ids].sort();
}

/**
 * The casemanagers with at least one open case (or the one with this address), each by their keyed
 * CasemanagerId and every id their cases may carry. The address comes from a case's summary; a case
 * without one (from before the summary, until its next round) is read.
 */
export async function digestRecipients(cases: CaseReader, email?: string): Promise<DigestRecipient[]> {
  const emails = email ? [email] : await casemanagerEmails(cases);
  const byKey = new Map<string, DigestRecipient>();
  for (const address of emails) {
    const ids = cases.casemanagerIds(address);
    byKey.set(ids[0]!, { key: ids[0]!, ids });
  }
  return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * How far the scan for casemanagers got: heartbeated after each page, and read back by the next
 * attempt. Heartbeat details pass through the data converter, so the codec encrypts the addresses.
 */
export interface RecipientScan {
  /** Where the next page starts; absent once the last page has been read. */
  pageToken?: string;
  /** The casemanagers' addresses found so far, sorted, each once. */
  emails: string[];
  /** How many cases have been read, for the log. */
  scanned: number;
}

/** The addresses of the casemanagers of all open cases, page by page, from where an earlier attempt got. */
async function casemanagerEmails(cases: CaseReader): Promise<string[]> {
  const ctx = activityContext();
  let scan = resumedScan(ctx);
  const emails = new Set(scan?.emails);
  // Nothing read yet, or a page still to read.
  while (!scan || scan.pageToken) {
    const page = await cases.openCasesPage(undefined, scan?.pageToken).catch((err: unknown) => {
      // A token the server no longer takes (its visibility store changed since) would fail every
      // attempt: the scan starts over instead, keeping the addresses found so far.
      if (!scan?.pageToken || !isInvalidArgument(err)) throw err;
      ctx?.log.info('digest recipients: the server refused the saved page token; scanning from the first page');
      return cases.openCasesPage(undefined);
    });
    for (const listed of page.cases) {
      let address = listed.summary?.casemanager.email;
      if (!address) {
        // A query takes a while: on a page of such cases, the heartbeat (still the last page's
        // progress) keeps the attempt from timing out.
        ctx?.heartbeat(scan);
        address = (await cases.readCase(listed.caseId, amsterdamDate(Date.now())))?.casemanager.email;
      }
      if (address) emails.add(address);
    }
    scan = {
      ...(page.nextPageToken && { pageToken: page.nextPageToken }),
      emails: [...emails].sort(),
      scanned: (scan?.scanned ?? 0) + page.cases.length,
    };
    ctx?.heartbeat(scan);
  }
  return scan.emails;
}

/** The progress an earlier attempt heartbeated; undefined (start from the first page) without a usable one. */
function resumedScan(ctx: Context | undefined): RecipientScan | undefined {
  const details: unknown = ctx?.info.heartbeatDetails;
  if (details === undefined) return undefined;
  if (!isRecipientScan(details)) {
    // An attempt of an older worker (which heartbeated a count) or details damaged otherwise.
    ctx?.log.info('digest recipients: the last heartbeat holds no scan progress; scanning from the first page');
    return undefined;
  }
  ctx?.log.info('digest recipients: going on from the last heartbeat', {
    scanned: details.scanned,
    casemanagers: details.emails.length,
    lastPageRead: !details.pageToken,
  });
  return details;
}

/** The server's INVALID_ARGUMENT (gRPC status 3), as it answers a page token it cannot read. */
function isInvalidArgument(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 3;
}

function isRecipientScan(value: unknown): value is RecipientScan {
  const v = value as Partial<RecipientScan> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    (v.pageToken === undefined || (typeof v.pageToken === 'string' && v.pageToken !== '')) &&
    Array.isArray(v.emails) &&
    v.emails.every((e) => typeof e === 'string') &&
    typeof v.scanned === 'number' &&
    Number.isInteger(v.scanned) &&
    v.scanned >= 0
  );
}

/**
 * One digest per casemanager with something overdue or due soon on `date`; casemanagers with nothing
 * to do are left out. Language: the casemanager's own, else their employers' if they all agree, else
 * Dutch.
 */
export async function collectDigests(cases: CaseReader, date: IsoDate, filter: DigestFilter = {}): Promise<Digest[]> {
  const horizon = addWorkingDays(date, DIGEST_WORKING_DAYS_AHEAD);
  type Acc = Digest & { ownLanguage?: Language; employerLanguages: Set<Language | undefined> };
  const byCasemanager = new Map<string, Acc>();
  const wanted = filter.casemanagerKey;
  const open = await cases.openCases(wanted ? (filter.casemanagerIds ?? [wanted]) : undefined);
  let queried = 0;
  for (const [index, listed] of open.entries()) {
    heartbeat({ read: index, queried });
    let entry = listed.summary?.version === 2 ? fromSummary(listed.caseId, listed.summary, date) : undefined;
    if (!entry) {
      queried++;
      const view = await cases.readCase(listed.caseId, date);
      // A case closed between the list and the query no longer belongs in the digest.
      if (!view || view.status !== 'open') continue;
      entry = fromView(view);
    }
    const ids = cases.casemanagerIds(entry.casemanager.email);
    // A digest asked for by an unkeyed id (started before keyed ids) still finds its cases.
    if (wanted && !ids.includes(wanted)) continue;
    const key = wanted ?? ids[0]!;
    let acc = byCasemanager.get(key);
    if (!acc) {
      acc = {
        date,
        casemanager: { name: entry.casemanager.name, email: entry.casemanager.email, key },
        language: 'nl',
        overdue: [],
        upcoming: [],
        employerLanguages: new Set(),
      };
      byCasemanager.set(key, acc);
    }
    acc.ownLanguage ??= entry.casemanager.language;
    acc.employerLanguages.add(entry.employerLanguage);
    for (const item of entry.items) {
      const { due, status } = item.task;
      // An open task due before `date` counts as overdue (the case's own clock may lag a day).
      if (status === 'overdue' || compareDates(due, date) < 0) acc.overdue.push(item);
      else if (compareDates(due, horizon) <= 0) acc.upcoming.push(item);
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

/** What the digest takes from one case: its casemanager, the languages, and its open tasks. */
interface DigestEntry {
  casemanager: { name: string; email: string; language?: Language };
  employerLanguage?: Language;
  items: DigestItem[];
}

const OPEN_STATUSES = new Set(['open', 'overdue', 'postponed']);

/** From the case's own record (a query). */
function fromView(view: CaseView): DigestEntry {
  const items: DigestItem[] = [];
  for (const m of view.calendar.milestones) {
    if (!m.isTask || !OPEN_STATUSES.has(m.status)) continue;
    items.push({
      caseId: view.caseId,
      employeeName: view.employee.displayName,
      employerName: view.employer.name,
      task: { id: m.id, title: m.title, due: m.due, owner: m.owner, legalBasis: m.legalBasis, status: m.status },
    });
  }
  return {
    casemanager: view.casemanager,
    ...(view.employer.language && { employerLanguage: view.employer.language }),
    items,
  };
}

/**
 * From the summary (version 2): the same tasks in the same words, the titles and legal basis from the
 * case's rule set, each judged on the digest's date as the case's record would be (the summary was
 * written on the case's last round).
 */
function fromSummary(caseId: string, summary: CaseSummary, date: IsoDate): DigestEntry | undefined {
  const rules = getRuleset(summary.ruleset as RulesetId)?.milestones;
  if (!rules) return undefined;
  const items: DigestItem[] = [];
  for (const task of summary.tasks) {
    const rule = rules.find((r) => r.id === task.id);
    if (!rule) return undefined;
    items.push({
      caseId,
      employeeName: summary.employee,
      employerName: summary.employer.name,
      task: {
        id: task.id,
        title: rule.title,
        due: task.due as IsoDate,
        owner: rule.owner,
        legalBasis: rule.legalBasis,
        status: compareDates(task.due as IsoDate, date) < 0 ? 'overdue' : task.postponed ? 'postponed' : 'open',
      },
    });
  }
  return {
    casemanager: summary.casemanager,
    ...(summary.employer.language && { employerLanguage: summary.employer.language }),
    items,
  };
}
