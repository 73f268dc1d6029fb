// The client library's bulk import: start (or attach to) an import workflow, feed it the records in
// batches, read its progress and wait for its end. The CLI's `case import` and the HTTP service's
// /imports routes are thin layers over these functions. The design (why the records go in through
// updates) is in workflows/import-workflow.ts.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import type { OpenCaseInput } from '../workflows/case-model.js';
import {
  addRecordsUpdate,
  closeInputUpdate,
  IMPORT_ID_PATTERN,
  IMPORT_LIMITS,
  IMPORT_REFUSALS,
  importOutcomesQuery,
  importStatusQuery,
  importWorkflowId,
  keptReason,
  type AddRecordsInput,
  type ImportEntry,
  type ImportResult,
  type ImportStatus,
  type ImportWorkflowInput,
} from '../workflows/import-api.js';
import { CaseError, InvalidInputError, parseOpenCase, type CaseClientOptions } from './cases.js';

export type { ImportRefusal, ImportResult, ImportStatus } from '../workflows/import-api.js';

/** The import refuses what was asked of it, or ended without finishing (failed, terminated). */
export class ImportError extends CaseError {}
/** An import id that was started with other records than these. */
export class ImportMismatchError extends ImportError {}
export class UnknownImportError extends CaseError {}

export interface StartImportOptions {
  /** Default: a new random id. The same id again attaches to that import and goes on where it is. */
  importId?: string;
  /** Who feeds it, as the status shows it ("cli", "api:<key name>"); default "client". */
  source?: string;
  /** Called after each batch with the import's status. */
  onProgress?: (status: ImportStatus) => void;
  /** A refusal of the caller's own for a record that is a valid case (e.g. an employer it may not import). */
  refuse?: (record: OpenCaseInput) => string | undefined;
  /** Records per batch (at most 1,000, the default). */
  batchRecords?: number;
  /** Tuning (and tests): the import continues as new after this many records in one run. */
  recordsPerRun?: number;
  /** Test hook: called before each batch is sent (index of its first record). */
  beforeBatch?: (from: number) => Promise<void> | void;
}

export interface StartedImport {
  importId: string;
  workflowId: string;
  /** True when an import with this id existed and this call went on with it. */
  attached: boolean;
}

export function checkImportId(importId: string): void {
  if (!IMPORT_ID_PATTERN.test(importId)) {
    throw new InvalidInputError([
      {
        path: 'importId',
        message: 'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
      },
    ]);
  }
}

/** SHA-256 of the records as JSON: the same file gives the same fingerprint. */
export function recordsFingerprint(records: unknown[]): string {
  const hash = createHash('sha256');
  for (const record of records) hash.update(`${JSON.stringify(record)}\n`);
  return hash.digest('hex');
}

/** The entry a record becomes: the record itself when it is a case, else only its refusal. */
export function importEntry(record: unknown, refuse?: StartImportOptions['refuse']): ImportEntry {
  const caseId = (record as { caseId?: unknown } | null)?.caseId;
  const refused = (reason: string): ImportEntry => ({
    refused: keptReason(reason),
    ...(typeof caseId === 'string' && { caseId: caseId.slice(0, 64) }),
  });
  const bytes = Buffer.byteLength(JSON.stringify(record) ?? '');
  if (bytes > IMPORT_LIMITS.maxRecordBytes) {
    return refused(`the record is ${bytes} bytes; a case is at most ${IMPORT_LIMITS.maxRecordBytes / 1024} KB`);
  }
  try {
    const open = parseOpenCase(record);
    const own = refuse?.(open);
    return own ? refused(own) : { record };
  } catch (err) {
    if (err instanceof InvalidInputError) return refused(err.message);
    throw err;
  }
}

/** The batch that starts at `from`: at most 1,000 records (or `options.batchRecords`) and 1.5 MB. */
function batchAt(records: unknown[], from: number, options: StartImportOptions): AddRecordsInput {
  const entries: ImportEntry[] = [];
  const most = Math.min(options.batchRecords ?? IMPORT_LIMITS.maxBatchRecords, IMPORT_LIMITS.maxBatchRecords);
  let bytes = 0;
  for (let i = from; i < records.length && entries.length < most; i += 1) {
    const entry = importEntry(records[i], options.refuse);
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (entries.length > 0 && bytes + size > IMPORT_LIMITS.maxBatchBytes) break;
    entries.push(entry);
    bytes += size;
  }
  return { from, entries };
}

function refusalType(err: unknown): string | undefined {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    return err.cause.type ?? undefined;
  }
  return undefined;
}

/**
 * Sends one batch; answers the index to go on from. A busy import (continuing as new) is asked again
 * after a moment; an import that expects other records says from where.
 */
async function sendBatch(handle: WorkflowHandle, batch: AddRecordsInput): Promise<number> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return (await handle.executeUpdate(addRecordsUpdate, { args: [batch] })).received;
    } catch (err) {
      const type = refusalType(err);
      if (type === IMPORT_REFUSALS.busy && attempt < 600) {
        await sleep(Math.min(100 * 2 ** attempt, 1_000));
        continue;
      }
      if (type === IMPORT_REFUSALS.gap) {
        return (await patiently(handle.client, () => handle.query(importStatusQuery))).received;
      }
      if (type === IMPORT_REFUSALS.closed) {
        // Someone else fed and closed it: fine if it has these records, else they cannot go in.
        const { received } = await patiently(handle.client, () => handle.query(importStatusQuery));
        if (received >= batch.from + batch.entries.length) return received;
        throw new ImportError((err as WorkflowUpdateFailedError).cause!.message);
      }
      if (type === IMPORT_REFUSALS.invalid) throw new ImportError((err as WorkflowUpdateFailedError).cause!.message);
      throw err;
    }
  }
}

/**
 * Starts the import `importId` (default: a new id) of `records` and feeds them all; resolves when the
 * import has every record (opening goes on in the workflow: see waitForImport). The same import id
 * again attaches to that import: what it received is not sent again, and other records than it was
 * started with are refused (ImportError). Records the client library refuses are sent as refusals
 * only, with their index and reason.
 */
export async function startImport(
  cases: CaseClientOptions,
  records: unknown[],
  options: StartImportOptions = {},
): Promise<StartedImport> {
  if (!Array.isArray(records)) {
    throw new InvalidInputError([{ path: '(input)', message: 'must be a list of cases: [ {...}, {...} ]' }]);
  }
  if (records.length > IMPORT_LIMITS.maxRecords) {
    throw new InvalidInputError([
      { path: '(input)', message: `${records.length} records; an import has at most ${IMPORT_LIMITS.maxRecords}` },
    ]);
  }
  const importId = options.importId ?? randomUUID();
  checkImportId(importId);
  const { client, taskQueue } = cases;
  const workflowId = importWorkflowId(importId);
  const fingerprint = recordsFingerprint(records);
  const input: ImportWorkflowInput = {
    importId,
    source: options.source ?? 'client',
    total: records.length,
    fingerprint,
    ...(options.recordsPerRun !== undefined && { recordsPerRun: options.recordsPerRun }),
  };
  let attached = false;
  try {
    await client.workflow.start('importWorkflow', {
      taskQueue,
      workflowId,
      args: [input],
      // A failed or terminated import may be started again under its id: its cases are found by
      // their tags, and counted as opened.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    attached = true;
  }
  const started = { importId, workflowId, attached };
  const handle = client.workflow.getHandle(workflowId);
  let from = 0;
  if (attached) {
    const status = await importStatus(cases, importId);
    if (status.fingerprint !== undefined && status.fingerprint !== fingerprint) {
      throw new ImportMismatchError(
        `import ${importId} was started with other records (${status.total ?? status.received} records); ` +
          'attach with the same records, or use another import id',
      );
    }
    options.onProgress?.(status);
    if (status.inputClosed) return started;
    from = status.received;
  }
  while (from < records.length) {
    await options.beforeBatch?.(from);
    from = await sendBatch(handle, batchAt(records, from, options));
    if (options.onProgress) options.onProgress(await patiently(client, () => handle.query(importStatusQuery)));
  }
  try {
    await handle.executeUpdate(closeInputUpdate, { args: [{ total: records.length }] });
  } catch (err) {
    if (refusalType(err) === IMPORT_REFUSALS.invalid)
      throw new ImportError((err as WorkflowUpdateFailedError).cause!.message);
    throw err;
  }
  return started;
}

/** How long one query of an import may take before it is asked again, and how often. */
const QUERY_DEADLINE_MS = 5_000;
const QUERY_ATTEMPTS = 12;

const GRPC_DEADLINE_EXCEEDED = 4;

/**
 * A query, asked again when it gets no answer in time. On the time-skipping test server a query of a
 * busy import (batches arriving, chunks completing, a continue-as-new) now and then gets no answer at
 * all, and would wait for a minute; asked again, it is answered at once. The dev server did not show
 * this; a slow answer from a busy worker is merely asked for again.
 */
async function patiently<T>(client: Pick<Client, 'withDeadline'>, ask: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, ask);
    } catch (err) {
      const cause = err instanceof ServiceError ? err.cause : err;
      if (attempt >= QUERY_ATTEMPTS || !(isGrpcServiceError(cause) && cause.code === GRPC_DEADLINE_EXCEEDED)) throw err;
    }
  }
}

async function describeImport(cases: CaseClientOptions, importId: string) {
  checkImportId(importId);
  const handle = cases.client.workflow.getHandle(importWorkflowId(importId));
  try {
    return { handle, state: (await handle.describe()).status.name };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UnknownImportError(`there is no import ${importId}`);
    throw err;
  }
}

function ended(importId: string, state: string): ImportError {
  return new ImportError(
    `import ${importId} ended without finishing (${state.toLowerCase()}); ` +
      'start it again with the same id and records to go on',
  );
}

/** The import's progress: counts, the first refusals, whether it is done. */
export async function importStatus(cases: CaseClientOptions, importId: string): Promise<ImportStatus> {
  const { handle, state } = await describeImport(cases, importId);
  if (state === 'RUNNING') return patiently(cases.client, () => handle.query(importStatusQuery));
  if (state === 'COMPLETED') {
    const { outcomes: _outcomes, ...status } = (await handle.result()) as ImportResult;
    return status;
  }
  throw ended(importId, state);
}

/** The progress and each record's outcome (see ImportOutcomeCode), also while it runs. */
export async function importResult(cases: CaseClientOptions, importId: string): Promise<ImportResult> {
  const { handle, state } = await describeImport(cases, importId);
  if (state === 'RUNNING') {
    const status = await patiently(cases.client, () => handle.query(importStatusQuery));
    return { ...status, outcomes: await patiently(cases.client, () => handle.query(importOutcomesQuery)) };
  }
  if (state === 'COMPLETED') return (await handle.result()) as ImportResult;
  throw ended(importId, state);
}

export interface WaitOptions {
  onProgress?: (status: ImportStatus) => void;
  /** How often the status is read; default 500 ms. */
  intervalMs?: number;
}

/** Waits until the import is done, reporting its progress; resolves with the result. */
export async function waitForImport(
  cases: CaseClientOptions,
  importId: string,
  options: WaitOptions = {},
): Promise<ImportResult> {
  for (;;) {
    const status = await importStatus(cases, importId);
    options.onProgress?.(status);
    if (status.done) return importResult(cases, importId);
    await sleep(options.intervalMs ?? 500);
  }
}
