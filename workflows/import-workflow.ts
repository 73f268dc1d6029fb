// A bulk import: thousands of cases taken over in one call, as a workflow of its own (`import-<id>`),
// so that its progress, its refusals and its place in the input survive a crash of the caller or of a
// worker.
//
// How the records get here. Not as the workflow's input: Temporal refuses a payload over 2 MB, and
// 50,000 cases of ~600 bytes are 30 MB. Not through a store the workflow reads either: the project
// has no database, the HTTP service keeps no state, and personal data lives nowhere outside Temporal
// (where every payload is encrypted). So the caller starts the workflow and feeds the records in
// batches through the update `add-records` (at most 1,000 records and 1.5 MB each), then says
// `close-input`. The caller checks each record with the client library first and sends a refused one
// as a refusal only (index, case id, reason): its content never reaches the history. The update's
// validator checks every record again with openCaseSchema and refuses the whole batch if one is not
// a case, so a batch that bypassed the client library leaves no trace either. Each batch says the
// index it starts at: a caller that resends (after a crash, or attaching to the same import id)
// skips what was received, so feeding is idempotent.
//
// How the cases are opened. `openCases` (an activity) opens a chunk of 50 in parallel, four chunks at
// a time (200 starts in flight; fewer, larger activities measured faster than 20 × 4, see
// docs/operations.md); a case id already in flight waits for the earlier record, so of two records
// with one case id the first is opened and the later one is the duplicate. Each case is opened with a
// memo naming this import and record: an activity retried after it opened a case (the worker died
// before it could report) finds its own tag and counts the case as opened, any other existing case
// is a duplicate. No case is ever opened twice: the case id is the workflow id.
//
// Backpressure and continue-as-new. `add-records` answers once no more than 2,000 records wait, so a
// fast caller cannot pile up the whole input in memory. When the history grows (the server's
// suggestion, 8,000 events or 8 MB), the import stops taking records (the validator answers
// `ImportBusy`, the client sends the batch again), opens what it received, waits for its handlers and
// continues as new with its progress only: counts, the outcome of each record (one character each,
// at most 100,000) and the first 1,000 refusals with their reasons (the rest are counted). No record
// is carried: the new run starts with nothing waiting, so its input stays far below 2 MB.
//
// Deterministic, no I/O: everything that touches the world is the activity.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { openCaseSchema } from './case-model.js';
import type { Activities, ImportRecordOutcome } from './contract.js';
import {
  addRecordsUpdate,
  closeInputUpdate,
  IMPORT_ID_PATTERN,
  IMPORT_LIMITS,
  IMPORT_REFUSALS,
  importOutcomesQuery,
  importStatusQuery,
  keptReason,
  type AddRecordsInput,
  type ImportOutcomeCode,
  type ImportResult,
  type ImportStatus,
  type ImportWorkflowInput,
} from './import-api.js';

const { openCases } = proxyActivities<Activities>({
  // A chunk of 50 starts takes a few seconds; a dead worker is noticed by the heartbeat (one per case).
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  // A server or network outage is waited out: the import goes on when it is over.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Records per `openCases` activity, and activities at once. The worker runs 10 activities at most
 * (SMTP_SESSIONS): four for an import leave six for the e-mail the new cases send.
 */
export const CHUNK_RECORDS = 50;
export const PARALLEL_CHUNKS = 4;
/** The import continues as new beyond these, or when the server suggests it. */
const MAX_HISTORY_EVENTS = 8_000;
const MAX_HISTORY_BYTES = 8 * 1024 * 1024;

interface Waiting {
  index: number;
  caseId: string;
  record: unknown;
}

function refusal(type: keyof typeof IMPORT_REFUSALS, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: IMPORT_REFUSALS[type], message, nonRetryable: true });
}

function checkInput(input: ImportWorkflowInput): void {
  const problems: string[] = [];
  if (typeof input?.importId !== 'string' || !IMPORT_ID_PATTERN.test(input.importId))
    problems.push('importId: 1 to 64 letters, digits, ".", "_" or "-"');
  if (typeof input?.source !== 'string' || input.source.length > 200) problems.push('source: text, at most 200');
  if (
    input?.total !== undefined &&
    (!Number.isInteger(input.total) || input.total < 0 || input.total > IMPORT_LIMITS.maxRecords)
  )
    problems.push(`total: a whole number from 0 to ${IMPORT_LIMITS.maxRecords}`);
  // A plain Error would fail the workflow task and retry forever; bad input fails the run at once.
  if (problems.length > 0) throw ApplicationFailure.nonRetryable(problems.join('; '), IMPORT_REFUSALS.invalid);
}

function issuesOf(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`).join('; ');
}

export async function importWorkflow(input: ImportWorkflowInput): Promise<ImportResult> {
  checkInput(input);
  const { continued } = input;
  const status: ImportStatus = continued
    ? { ...withoutOutcomes(continued), runs: continued.runs + 1 }
    : {
        importId: input.importId,
        source: input.source,
        ...(input.total !== undefined && { total: input.total }),
        ...(input.fingerprint && { fingerprint: input.fingerprint }),
        received: 0,
        inputClosed: false,
        opened: 0,
        duplicates: 0,
        refusedCount: 0,
        refused: [],
        done: false,
        startedAt: new Date().toISOString(),
        runs: 1,
      };
  const outcomes: ImportOutcomeCode[] = continued ? ([...continued.outcomes] as ImportOutcomeCode[]) : [];
  const waiting: Waiting[] = [];
  let draining = false;
  let processedThisRun = 0;
  let inFlight = 0;
  const inFlightIds = new Set<string>();
  let failure: unknown;

  const result = (): ImportResult => ({ ...status, outcomes: outcomes.join('') });

  /** A refused record: counted, its outcome set, and listed while the list has room (lowest indices). */
  function refuse(index: number, caseId: string | undefined, reason: string, duplicate: boolean): void {
    outcomes[index] = duplicate ? 'd' : 'r';
    status.refusedCount += 1;
    if (duplicate) status.duplicates += 1;
    const entry = { index, ...(caseId !== undefined && { caseId }), reason: keptReason(reason) };
    const list = status.refused;
    if (list.length >= IMPORT_LIMITS.maxListedRefusals && list[list.length - 1]!.index < index) return;
    let at = list.length;
    while (at > 0 && list[at - 1]!.index > index) at -= 1;
    list.splice(at, 0, entry);
    if (list.length > IMPORT_LIMITS.maxListedRefusals) list.pop();
  }

  setHandler(importStatusQuery, () => status);
  setHandler(importOutcomesQuery, () => outcomes.join(''));

  setHandler(
    addRecordsUpdate,
    async (batch: AddRecordsInput) => {
      for (let i = Math.max(0, status.received - batch.from); i < batch.entries.length; i += 1) {
        const index = batch.from + i;
        const entry = batch.entries[i]!;
        status.received = index + 1;
        outcomes[index] = '.';
        if ('refused' in entry) {
          refuse(index, entry.caseId, entry.refused, false);
        } else {
          waiting.push({ index, caseId: (entry.record as { caseId: string }).caseId, record: entry.record });
        }
      }
      await condition(() => waiting.length <= IMPORT_LIMITS.highWater);
      return { received: status.received };
    },
    { validator: (batch) => checkBatch(batch) },
  );

  function checkBatch(batch: AddRecordsInput): void {
    if (status.inputClosed) throw refusal('closed', `the input of import ${status.importId} is closed`);
    if (draining) throw refusal('busy', 'the import is continuing as new: send the batch again');
    if (
      typeof batch !== 'object' ||
      batch === null ||
      !Number.isInteger(batch.from) ||
      batch.from < 0 ||
      !Array.isArray(batch.entries)
    ) {
      throw refusal('invalid', 'a batch is { from: <index>, entries: [...] }');
    }
    const { from, entries } = batch;
    if (entries.length === 0 || entries.length > IMPORT_LIMITS.maxBatchRecords)
      throw refusal('invalid', `a batch holds 1 to ${IMPORT_LIMITS.maxBatchRecords} records`);
    if (from > status.received) throw refusal('gap', `records are expected from index ${status.received}`);
    const limit = status.total ?? IMPORT_LIMITS.maxRecords;
    if (from + entries.length > limit) throw refusal('invalid', `the import has at most ${limit} records`);
    if (waiting.length > IMPORT_LIMITS.highWater + IMPORT_LIMITS.maxBatchRecords)
      throw refusal('busy', 'too many records are waiting: send the batch again');
    for (let i = Math.max(0, status.received - from); i < entries.length; i += 1) {
      const entry: unknown = entries[i];
      const where = `entry ${i} (record ${from + i})`;
      if (typeof entry !== 'object' || entry === null) throw refusal('invalid', `${where}: not an entry`);
      if ('refused' in entry) {
        const { refused, caseId } = entry as { refused: unknown; caseId?: unknown };
        if (typeof refused !== 'string' || refused === '' || (caseId !== undefined && typeof caseId !== 'string'))
          throw refusal('invalid', `${where}: a refusal is { refused: <reason>, caseId? }`);
      } else if ('record' in entry) {
        const parsed = openCaseSchema.safeParse(entry.record);
        if (!parsed.success) throw refusal('invalid', `${where} is not a case: ${issuesOf(parsed.error)}`);
      } else {
        throw refusal('invalid', `${where}: an entry is { record } or { refused, caseId? }`);
      }
    }
  }

  setHandler(
    closeInputUpdate,
    ({ total }) => {
      status.inputClosed = true;
      status.total = total;
      return status;
    },
    {
      validator: (arg) => {
        const total = arg?.total;
        if (!Number.isInteger(total)) throw refusal('invalid', 'close-input takes { total: <number of records> }');
        if (status.total !== undefined && status.total !== total)
          throw refusal('invalid', `the import has ${status.total} records, not ${total}`);
        if (status.received !== total)
          throw refusal('invalid', `the import has received ${status.received} of ${total} records`);
      },
    },
  );

  function shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested ||
      info.historyLength >= MAX_HISTORY_EVENTS ||
      info.historySize >= MAX_HISTORY_BYTES ||
      (input.recordsPerRun !== undefined && processedThisRun >= input.recordsPerRun)
    );
  }

  const startable = () => inFlight < PARALLEL_CHUNKS && waiting.length > 0 && !inFlightIds.has(waiting[0]!.caseId);

  /** The next chunk, in order; it ends before a case id that is in flight or already in it. */
  function takeChunk(): Waiting[] {
    const chunk: Waiting[] = [];
    const ids = new Set<string>();
    while (chunk.length < CHUNK_RECORDS && waiting.length > 0) {
      const next = waiting[0]!;
      if (inFlightIds.has(next.caseId) || ids.has(next.caseId)) break;
      ids.add(next.caseId);
      chunk.push(waiting.shift()!);
    }
    return chunk;
  }

  function apply(chunk: Waiting[], results: ImportRecordOutcome[]): void {
    const caseIds = new Map(chunk.map((w) => [w.index, w.caseId]));
    for (const r of results) {
      const caseId = caseIds.get(r.index);
      if (caseId === undefined || outcomes[r.index] !== '.') continue; // not ours, or known already
      if (r.outcome === 'opened') {
        outcomes[r.index] = 'o';
        status.opened += 1;
      } else {
        const reason = r.reason ?? (r.outcome === 'duplicate' ? `case ${caseId} already exists` : 'refused');
        refuse(r.index, caseId, reason, r.outcome === 'duplicate');
      }
    }
  }

  function start(chunk: Waiting[]): void {
    inFlight += 1;
    for (const w of chunk) inFlightIds.add(w.caseId);
    openCases({ importId: status.importId, records: chunk.map(({ index, record }) => ({ index, record })) })
      .then(
        (results) => apply(chunk, results),
        (err: unknown) => {
          failure ??= err;
        },
      )
      .finally(() => {
        inFlight -= 1;
        for (const w of chunk) inFlightIds.delete(w.caseId);
        processedThisRun += chunk.length;
        if (!draining && shouldContinueAsNew()) draining = true;
      });
  }

  for (;;) {
    await condition(
      () =>
        failure !== undefined ||
        startable() ||
        (inFlight === 0 && waiting.length === 0 && (status.inputClosed || draining)),
    );
    // The activity retries until it succeeds: only a non-retryable failure (a bug) gets here.
    if (failure !== undefined) throw failure;
    if (startable()) {
      start(takeChunk());
      continue;
    }
    // Nothing waits, nothing is in flight: done, or time for a new run. Handlers first (an update
    // accepted now must be answered by this run).
    await condition(allHandlersFinished);
    if (status.inputClosed) break;
    log.info('import continues as new', { importId: status.importId, received: status.received, runs: status.runs });
    return continueAsNew<typeof importWorkflow>({
      importId: status.importId,
      source: status.source,
      ...(input.recordsPerRun !== undefined && { recordsPerRun: input.recordsPerRun }),
      continued: result(),
    });
  }
  status.done = true;
  status.finishedAt = new Date().toISOString();
  log.info('import done', {
    importId: status.importId,
    total: status.total,
    opened: status.opened,
    refused: status.refusedCount,
  });
  return result();
}

function withoutOutcomes(r: ImportResult): ImportStatus {
  const { outcomes: _outcomes, ...status } = r;
  return status;
}
