// The client library: everything outside the worker (the CLI, tests, later an HTTP API) opens,
// changes, reads and lists cases through these functions, and gets typed errors back.
import { createHash, randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import { decodeMapFromPayloads } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import type { temporal } from '@temporalio/proto';
import {
  caseQuery,
  recordEventUpdate,
  REFUSAL_TYPES,
  type CaseView,
  type EventAccepted,
} from '../workflows/case-api.js';
import { amsterdamDate } from '../workflows/calendar/amsterdam-time.js';
import { parseEvent, EventRefusal } from '../workflows/case-events.js';
import {
  caseIdSchema,
  caseWorkflowId,
  openCaseSchema,
  type CaseEvent,
  type CaseStatus,
  type OpenCaseInput,
} from '../workflows/case-model.js';
import { bedrijfsartsIds, casemanagerIds, searchKeysOf, type SearchKeys } from '../runtime/search-keys.js';
import { SUMMARY_MEMO, type CaseSummary } from '../workflows/case-summary.js';
import { medicalRefusal, type MedicalTermList } from '../workflows/medical-terms.js';
import {
  BEDRIJFSARTS_ID,
  CASEMANAGER_ID,
  CASE_STATUS,
  CASE_TEAM,
  EMPLOYER_ID,
  NEXT_DEADLINE,
  OVERDUE_TASKS,
} from '../workflows/search-attributes.js';

export class CaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** The input does not have the right shape; `issues` name the fields. */
export class InvalidInputError extends CaseError {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  }
}
export class DuplicateCaseError extends CaseError {}
export class UnknownCaseError extends CaseError {}
export class InvalidEventError extends CaseError {}
export class EventNotAllowedError extends CaseError {}

export interface CaseClientOptions {
  client: Client;
  taskQueue: string;
  /** The medical-terms screen of free text, as configured; the built-in list when absent. */
  medicalTerms?: MedicalTermList;
}

/**
 * The issues of a refused input, each once: the open schema checks a field and then the facts made
 * from it, so a wrong first sick day would otherwise be named twice.
 */
function issuesOf(error: { issues: { path: PropertyKey[]; message: string }[] }) {
  const seen = new Set<string>();
  return error.issues
    .map((i) => ({ path: i.path.map(String).join('.') || '(input)', message: i.message }))
    .filter((i) => !seen.has(`${i.path}\n${i.message}`) && seen.add(`${i.path}\n${i.message}`));
}

export function parseOpenCase(input: unknown): OpenCaseInput {
  const parsed = openCaseSchema.safeParse(input);
  if (!parsed.success) throw new InvalidInputError(issuesOf(parsed.error));
  return parsed.data;
}

function checkCaseId(caseId: string): void {
  const parsed = caseIdSchema.safeParse(caseId);
  if (!parsed.success) throw new InvalidInputError(issuesOf(parsed.error).map((i) => ({ ...i, path: 'caseId' })));
}

export interface OpenCaseOptions {
  /**
   * The bulk import and record that opens the case (`<importId>#<index>`), kept in the case's memo:
   * an import that retries finds its own tag and knows the case is its own, not a duplicate.
   */
  importRecord?: string;
  /** Who opens it, for the timeline (at most 200 characters); without it, "system". */
  openedBy?: string;
}

/** Opens a case: one workflow per case id, refused when the case exists (open or closed). */
export async function openCase(
  { client, taskQueue }: CaseClientOptions,
  input: unknown,
  options: OpenCaseOptions = {},
): Promise<{ caseId: string; workflowId: string }> {
  const open = parseOpenCase(input);
  const workflowId = caseWorkflowId(open.caseId);
  // The identifiers the case workflow will publish itself (keyed with the same keys), there from the start.
  const keys = searchKeysOf(client.options.loadedDataConverter.payloadCodecs);
  try {
    await client.workflow.start('caseWorkflow', {
      taskQueue,
      workflowId,
      args: [{ open, ...(options.openedBy && { openedBy: options.openedBy.slice(0, 200) }) }],
      ...(options.importRecord && { memo: { importRecord: options.importRecord } }),
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: CASE_STATUS, value: 'open' },
        { key: CASEMANAGER_ID, value: casemanagerIds(keys, open.casemanager.email)[0]! },
        { key: EMPLOYER_ID, value: open.employer.id },
        ...(open.casemanager.team ? [{ key: CASE_TEAM, value: open.casemanager.team }] : []),
        { key: BEDRIJFSARTS_ID, value: bedrijfsartsIds(keys, open.bedrijfsarts.email)[0]! },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new DuplicateCaseError(
        `case ${open.caseId} already exists (workflow ${workflowId}); it is not opened twice`,
      );
    }
    throw err;
  }
  return { caseId: open.caseId, workflowId };
}

function refusalFrom(err: WorkflowUpdateFailedError): CaseError | undefined {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    if (cause.type === REFUSAL_TYPES.invalid) return new InvalidEventError(cause.message);
    if (cause.type === REFUSAL_TYPES['not-allowed']) return new EventNotAllowedError(cause.message);
  }
  return undefined;
}

/**
 * The case id and the event as the case would see them; InvalidInputError or InvalidEventError if not
 * (also for free text that names something medical: the configured list, which the case's own check
 * with the built-in list backs up).
 */
export function checkEvent(caseId: string, input: unknown, medicalTerms?: MedicalTermList): CaseEvent {
  checkCaseId(caseId);
  let event: CaseEvent;
  try {
    event = parseEvent(input);
  } catch (err) {
    if (err instanceof EventRefusal) throw new InvalidEventError(err.message);
    throw err;
  }
  const medical = medicalRefusal(event, medicalTerms);
  if (medical) throw new InvalidEventError(medical);
  return event;
}

/**
 * Records an event; resolves when the case accepted it, throws a typed error when it refused. With an
 * `updateId` (the HTTP API's Idempotency-Key) a repeated call is applied once and answered the same.
 */
export async function recordEvent(
  { client, medicalTerms }: CaseClientOptions,
  caseId: string,
  input: unknown,
  options: { updateId?: string } = {},
): Promise<EventAccepted> {
  const event = checkEvent(caseId, input, medicalTerms);
  const handle = client.workflow.getHandle(caseWorkflowId(caseId));
  // Screened by checkEvent with the configured list: the case need not screen it again.
  const envelope = { caseId, eventId: eventIdFor(options.updateId), event, screened: true };
  // One update id for every attempt: a retry of an update the case took is answered, not applied again.
  const updateId = options.updateId ?? `event-${envelope.eventId}`;
  for (let attempt = 1; ; attempt++) {
    try {
      return await handle.executeUpdate(recordEventUpdate, { args: [envelope], updateId });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw refusalFrom(err) ?? err;
      if (err instanceof WorkflowNotFoundError) throw await unknownOrClosed(client, caseId, event);
      // The case's workflow task failed under it, as it does when the case continues as new while
      // events arrive (the server's "unhandled command"): the event was not taken; the next task will.
      if (attempt < 5 && workflowTaskFailedUnder(err)) {
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        continue;
      }
      throw err;
    }
  }
}

function workflowTaskFailedUnder(err: unknown): boolean {
  const cause = (err as { cause?: { code?: number; details?: string } }).cause;
  return cause?.code === 9 && /unexpected workflow task failure/.test(cause.details ?? '');
}

/**
 * The event's own id: random, or from the caller's idempotency key, so that a repeat the server's
 * update ids cannot catch (after the case continued as a new run) is refused as recorded already.
 */
function eventIdFor(updateId: string | undefined): string {
  if (!updateId) return `ev:${randomUUID()}`;
  return `idem:${createHash('sha256').update(updateId).digest('hex').slice(0, 40)}`;
}

async function unknownOrClosed(client: Client, caseId: string, event: CaseEvent): Promise<CaseError> {
  try {
    const description = await client.workflow.getHandle(caseWorkflowId(caseId)).describe();
    // A case closes 28 days after recovery; sickness after that is a new case under the law.
    const advice =
      event.type === 'relapsed'
        ? `; sickness 28 days or more after recovery is a new case: open a new case with first sick day ${event.date}`
        : '';
    return new EventNotAllowedError(
      `case ${caseId} is closed (${description.status.name.toLowerCase()}); it takes no more events${advice}`,
    );
  } catch {
    return new UnknownCaseError(`there is no case ${caseId}`);
  }
}

/**
 * The case record: status, obligations and timeline. Closed cases can be read too. Statuses are
 * judged on `asOf` (default: today in Amsterdam), or on the case's own clock if that is later.
 */
export async function getCase(
  { client }: CaseClientOptions,
  caseId: string,
  { asOf = amsterdamDate(Date.now()) }: { asOf?: string } = {},
): Promise<CaseView> {
  checkCaseId(caseId);
  try {
    return await client.workflow.getHandle(caseWorkflowId(caseId)).query(caseQuery, { asOf });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UnknownCaseError(`there is no case ${caseId}`);
    throw err;
  }
}

export interface CaseListFilter {
  casemanagerEmail?: string;
  /** CasemanagerId values themselves (runtime/search-keys.ts), when the address is not at hand. */
  casemanagerIds?: string[];
  employerId?: string;
  /** The casemanager's team (`casemanager.team`). */
  team?: string;
  bedrijfsartsEmail?: string;
  status?: CaseStatus;
  overdue?: boolean;
  /** Only cases whose next deadline is before this date (yyyy-mm-dd). */
  deadlineBefore?: string;
  /** Only cases whose workflow still runs (not closed). */
  running?: boolean;
}

export interface CaseListEntry {
  caseId: string;
  status: string;
  employerId?: string;
  nextDeadline?: string;
  overdueTasks: number;
}

const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The visibility query for a filter; only ids, statuses, dates and counts are searchable. A person is
 * found by every identifier their cases may carry (keyed with `keys`, and the unkeyed hash of cases
 * from before), see runtime/search-keys.ts.
 */
export function listQuery(filter: CaseListFilter, keys?: SearchKeys): string {
  const anyOf = (attribute: string, values: string[]) =>
    values.length === 1 ? `${attribute} = ${quote(values[0]!)}` : `${attribute} IN (${values.map(quote).join(', ')})`;
  // A case that continued as new has an earlier run that ended so, with the search attributes of
  // then: only the current run (running, or ended otherwise) stands for the case.
  const clauses = [`WorkflowType = 'caseWorkflow'`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (filter.casemanagerEmail) clauses.push(anyOf('CasemanagerId', casemanagerIds(keys, filter.casemanagerEmail)));
  if (filter.casemanagerIds) clauses.push(anyOf('CasemanagerId', filter.casemanagerIds));
  if (filter.employerId) clauses.push(`EmployerId = ${quote(filter.employerId)}`);
  if (filter.team) clauses.push(`CaseTeam = ${quote(filter.team)}`);
  if (filter.bedrijfsartsEmail) clauses.push(anyOf('BedrijfsartsId', bedrijfsartsIds(keys, filter.bedrijfsartsEmail)));
  if (filter.status) clauses.push(`CaseStatus = ${quote(filter.status)}`);
  if (filter.overdue) clauses.push('OverdueTasks > 0');
  if (filter.deadlineBefore) clauses.push(`NextDeadline < ${quote(`${filter.deadlineBefore}T00:00:00Z`)}`);
  if (filter.running) clauses.push(`ExecutionStatus = 'Running'`);
  return clauses.join(' AND ');
}

/**
 * How a filter is asked of visibility. A filter on a person asks one query per identifier of theirs,
 * that identifier alone by equality (and the workflow type), and checks the rest of the filter on
 * each execution returned: the SQL visibility stores (SQLite, PostgreSQL) search an equality on a
 * search attribute by its index, but an `IN` list, or an equality on the status beside it, makes
 * SQLite read every case of the namespace (measured on 10,000 cases: 0.2 to 0.3 s a list, which 20
 * casemanagers at once queue into seconds; docs/decisions/2026-12-06-lists-by-index.md). Any other
 * filter is one query.
 */
export function listPlan(
  filter: CaseListFilter,
  keys?: SearchKeys,
  taskQueue?: string,
): { queries: string[]; keep: (execution: WorkflowExecutionInfo) => boolean } {
  // Each list must hold, as each is its own clause of listQuery.
  const byEmail = filter.casemanagerEmail ? casemanagerIds(keys, filter.casemanagerEmail) : undefined;
  const byIds = filter.casemanagerIds;
  const bedrijfsarts = filter.bedrijfsartsEmail ? bedrijfsartsIds(keys, filter.bedrijfsartsEmail) : undefined;
  const casemanager = byEmail ?? byIds;
  const [attribute, ids] = casemanager
    ? [CASEMANAGER_ID, casemanager]
    : bedrijfsarts
      ? [BEDRIJFSARTS_ID, bedrijfsarts]
      : [undefined, []];
  if (!attribute) {
    const query = `${listQuery(filter, keys)}${taskQueue ? ` AND TaskQueue = ${quote(taskQueue)}` : ''}`;
    return { queries: [query], keep: () => true };
  }
  const holds = (values: string[] | undefined, value: string | undefined) => !values || values.includes(value ?? '');
  const before = filter.deadlineBefore && new Date(`${filter.deadlineBefore}T00:00:00Z`).getTime();
  return {
    queries: [...new Set(ids)].map((id) => `WorkflowType = 'caseWorkflow' AND ${attribute.name} = ${quote(id)}`),
    keep: (e) => {
      const a = e.typedSearchAttributes;
      const next = a.get(NEXT_DEADLINE);
      return (
        e.status.name !== 'CONTINUED_AS_NEW' &&
        holds(byEmail, a.get(CASEMANAGER_ID)) &&
        holds(byIds, a.get(CASEMANAGER_ID)) &&
        holds(bedrijfsarts, a.get(BEDRIJFSARTS_ID)) &&
        (!filter.employerId || a.get(EMPLOYER_ID) === filter.employerId) &&
        (!filter.team || a.get(CASE_TEAM) === filter.team) &&
        (!filter.status || a.get(CASE_STATUS) === filter.status) &&
        (!filter.overdue || (a.get(OVERDUE_TASKS) ?? 0) > 0) &&
        (!before || (next !== undefined && next.getTime() < before)) &&
        (!filter.running || e.status.name === 'RUNNING') &&
        (!taskQueue || e.taskQueue === taskQueue)
      );
    },
  };
}

/** The executions a filter finds, by its plan (listPlan). */
async function* listExecutions(
  client: Client,
  filter: CaseListFilter,
  taskQueue?: string,
): AsyncGenerator<WorkflowExecutionInfo> {
  const { queries, keep } = listPlan(filter, keysOf(client), taskQueue);
  for (const query of queries)
    for await (const execution of client.workflow.list({ query })) if (keep(execution)) yield execution;
}

export async function listCases({ client }: CaseClientOptions, filter: CaseListFilter = {}): Promise<CaseListEntry[]> {
  const entries: CaseListEntry[] = [];
  for await (const execution of listExecutions(client, filter)) {
    const attributes = execution.typedSearchAttributes;
    const next = attributes.get(NEXT_DEADLINE);
    entries.push({
      caseId: execution.workflowId.replace(/^case-/, ''),
      status: attributes.get(CASE_STATUS) ?? execution.status.name.toLowerCase(),
      ...(attributes.get(EMPLOYER_ID) && { employerId: attributes.get(EMPLOYER_ID) }),
      ...(next && { nextDeadline: next.toISOString().slice(0, 10) }),
      overdueTasks: attributes.get(OVERDUE_TASKS) ?? 0,
    });
  }
  return entries.sort(
    (a, b) => (a.nextDeadline ?? '9999').localeCompare(b.nextDeadline ?? '9999') || a.caseId.localeCompare(b.caseId),
  );
}

/**
 * The summaries of the cases a filter finds (their open tasks, from the memo), in one visibility call:
 * never a query per case. A case that has not yet written its summary (opened before the summary
 * existed, until its next round) comes without one.
 */
export async function listCaseSummaries(
  { client }: CaseClientOptions,
  filter: CaseListFilter = {},
): Promise<{ caseId: string; summary?: CaseSummary }[]> {
  const out: { caseId: string; summary?: CaseSummary }[] = [];
  for await (const execution of listExecutions(client, filter)) {
    const summary = execution.memo?.[SUMMARY_MEMO] as CaseSummary | undefined;
    out.push({ caseId: execution.workflowId.replace(/^case-/, ''), ...(summary && { summary }) });
  }
  return out;
}

/** An open case as visibility lists it: its CasemanagerId and its summary (absent in a case from before it). */
export interface ListedCase {
  caseId: string;
  casemanagerId?: string;
  summary?: CaseSummary;
}

/** An open case as the digest reads it: its id, its CasemanagerId and the summary in its memo. */
function listed(workflowId: string, memo: Record<string, unknown> | undefined, casemanagerId?: string): ListedCase {
  const summary = memo?.[SUMMARY_MEMO] as CaseSummary | undefined;
  return {
    caseId: workflowId.replace(/^case-/, ''),
    ...(casemanagerId && { casemanagerId }),
    ...(summary && { summary }),
  };
}

/** One page of open cases, and the token of the next page (absent after the last). */
export interface ListedCasesPage {
  cases: ListedCase[];
  nextPageToken?: string;
}

export interface CaseReaderOptions {
  /** Cases per visibility call (default 1,000, the server's usual maximum). */
  pageSize?: number;
}

/**
 * What the daily digest reads (activities/digest.ts, CaseReader), over this library: the open cases
 * of this deployment (those on its task queue), from visibility, and each one's record.
 */
export function caseReader({ client, taskQueue }: CaseClientOptions, { pageSize = 1000 }: CaseReaderOptions = {}) {
  const keys = keysOf(client);
  const { namespace, loadedDataConverter } = client.options;

  /**
   * One page, called directly: `client.workflow.list` hides the page token, and the digest keeps it in
   * its heartbeat to go on from there (base64, as heartbeat details are JSON).
   */
  async function openCasesPage(ids: string[] | undefined, pageToken?: string): Promise<ListedCasesPage> {
    const filter: CaseListFilter = { status: 'open', ...(ids && { casemanagerIds: ids }) };
    const response = await client.workflowService.listWorkflowExecutions({
      namespace,
      query: `${listQuery(filter, keys)} AND TaskQueue = ${quote(taskQueue)}`,
      pageSize,
      ...(pageToken && { nextPageToken: Buffer.from(pageToken, 'base64') }),
    });
    const next = response.nextPageToken;
    return {
      cases: await Promise.all(response.executions.map(listedCase)),
      ...(next && next.length > 0 && { nextPageToken: Buffer.from(next).toString('base64') }),
    };
  }

  /** A listed execution, its memo decoded (decrypted) by the client's data converter as `client.workflow.list` does. */
  async function listedCase(raw: temporal.api.workflow.v1.IWorkflowExecutionInfo): Promise<ListedCase> {
    const workflowId = raw.execution?.workflowId ?? '';
    const memo = await decodeMapFromPayloads(loadedDataConverter, raw.memo?.fields, {
      type: 'workflow',
      namespace,
      workflowId,
    });
    return listed(
      workflowId,
      memo,
      decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields).get(CASEMANAGER_ID),
    );
  }

  return {
    openCasesPage,
    async openCases(ids?: string[]): Promise<ListedCase[]> {
      const out: ListedCase[] = [];
      // One casemanager's cases: by the index of each of their identifiers (listPlan).
      if (ids) {
        for await (const e of listExecutions(client, { status: 'open', casemanagerIds: ids }, taskQueue))
          out.push(listed(e.workflowId, e.memo, e.typedSearchAttributes.get(CASEMANAGER_ID)));
        return out;
      }
      let pageToken: string | undefined;
      do {
        const page = await openCasesPage(ids, pageToken);
        out.push(...page.cases);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return out;
    },
    casemanagerIds(email: string): string[] {
      return casemanagerIds(keys, email);
    },
    async readCase(caseId: string, asOf: string): Promise<CaseView | undefined> {
      try {
        return await getCase({ client, taskQueue }, caseId, { asOf });
      } catch (err) {
        if (err instanceof UnknownCaseError) return undefined;
        throw err;
      }
    },
  };
}

/**
 * What the bulk import opens cases with (activities/import.ts, CaseOpener), over this library: a
 * case is opened with its import tag in the memo; when it exists already, the tag says whether this
 * record opened it (an earlier attempt whose answer was lost) or it is a duplicate.
 */
export function caseOpener(options: CaseClientOptions) {
  return {
    async open(
      record: unknown,
      tag: string,
    ): Promise<{ outcome: 'opened' | 'duplicate' | 'refused'; reason?: string }> {
      try {
        await openCase(options, record, { importRecord: tag });
        return { outcome: 'opened' };
      } catch (err) {
        if (err instanceof InvalidInputError) return { outcome: 'refused', reason: err.message.replace(/\n/g, '; ') };
        if (!(err instanceof DuplicateCaseError)) throw err;
        const { caseId } = record as { caseId: string };
        const description = await options.client.workflow.getHandle(caseWorkflowId(caseId)).describe();
        if (description.memo?.importRecord === tag) return { outcome: 'opened' };
        return { outcome: 'duplicate', reason: err.message };
      }
    },
  };
}

/** The search keys of the client's codec (none for a client without one: the unkeyed hash then). */
function keysOf(client: Client): SearchKeys | undefined {
  return searchKeysOf(client.options.loadedDataConverter.payloadCodecs);
}
