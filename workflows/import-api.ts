// The messages between a bulk import (workflows/import-workflow.ts) and the outside world: the caller
// feeds the records with the update `add-records`, says it is done with `close-input`, and reads the
// progress with the query `import-status`. Shapes and limits only, so that the client library and
// the HTTP service import this file, never the workflow itself.
//
// Compatibility: these shapes travel in import histories (and an import may run for hours): a field
// may be added (optional) but never renamed or removed.
import { defineQuery, defineUpdate } from '@temporalio/workflow';

/** The workflow id of an import: one workflow per import id. */
export function importWorkflowId(importId: string): string {
  return `import-${importId}`;
}

/** What an import id may look like (it becomes part of a workflow id and of a URL). */
export const IMPORT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const IMPORT_LIMITS = {
  /** Records in one import. The per-record outcomes (one character each) travel in its state. */
  maxRecords: 100_000,
  /** Records in one `add-records` update. */
  maxBatchRecords: 1_000,
  /** Bytes of one `add-records` update as JSON (Temporal refuses payloads over 2 MB). */
  maxBatchBytes: 1_500_000,
  /** Bytes of one record as JSON: a case is a few kilobytes at most. */
  maxRecordBytes: 64 * 1024,
  /** Refusals kept with their reason; beyond this only counted (the outcomes still say which). */
  maxListedRefusals: 1_000,
  /** Characters of a refusal's reason that are kept. */
  maxReasonLength: 300,
  /** Records received but not yet opened above which `add-records` waits before it answers. */
  highWater: 2_000,
} as const;

/** One record of the input, by its place in the caller's list (counted from 0). */
export type ImportEntry =
  /** A record the caller checked with the project's schema; the workflow checks it again. */
  | { record: unknown }
  /** A record the caller refused itself (its content never reaches the import's history). */
  | { refused: string; caseId?: string };

export interface AddRecordsInput {
  /** The index of the first entry. Entries below what the import has received already are skipped. */
  from: number;
  entries: ImportEntry[];
}

export interface AddRecordsResult {
  /** How many records the import has received: the index the next batch starts at. */
  received: number;
}

export interface ImportRefusal {
  /** The record's place in the input, counted from 0. */
  index: number;
  caseId?: string;
  reason: string;
}

/**
 * Each record's outcome, one character per index: `.` received, not yet opened; `o` opened by this
 * import; `d` a duplicate (the case exists, opened elsewhere or by an earlier record); `r` refused.
 */
export type ImportOutcomeCode = '.' | 'o' | 'd' | 'r';

export interface ImportStatus {
  importId: string;
  /** Who fed it, for the people reading the status ("cli", "api:<key name>"). */
  source: string;
  /** The number of records, once known (announced at the start, fixed by `close-input`). */
  total?: number;
  /** SHA-256 of the caller's records: a caller attaching with other records is refused. */
  fingerprint?: string;
  received: number;
  inputClosed: boolean;
  opened: number;
  /** Records refused because their case exists (counted in `refusedCount` and listed in `refused` too). */
  duplicates: number;
  /** Every refused record, duplicates included. */
  refusedCount: number;
  /** The first refusals (at most IMPORT_LIMITS.maxListedRefusals), by index. */
  refused: ImportRefusal[];
  done: boolean;
  /** Workflow time (ISO-8601 UTC). */
  startedAt: string;
  finishedAt?: string;
  /** The runs so far: an import continues as new when its history grows. */
  runs: number;
}

/** What an import returns when it is done: the status, and each record's outcome. */
export interface ImportResult extends ImportStatus {
  outcomes: string;
}

export interface ImportWorkflowInput {
  importId: string;
  source: string;
  total?: number;
  fingerprint?: string;
  /** Tuning (and tests): continue as new after this many records opened in one run. */
  recordsPerRun?: number;
  /** Set by the import itself when it continues as new: the progress, never a record. */
  continued?: ImportResult;
}

export const addRecordsUpdate = defineUpdate<AddRecordsResult, [AddRecordsInput]>('add-records');
export const closeInputUpdate = defineUpdate<ImportStatus, [{ total: number }]>('close-input');
export const importStatusQuery = defineQuery<ImportStatus>('import-status');
export const importOutcomesQuery = defineQuery<string>('import-outcomes');

/** ApplicationFailure types of a refused update, for the client to tell them apart. */
export const IMPORT_REFUSALS = {
  /** Wrong input: a record that is not a case, a batch too large, a total that does not match. */
  invalid: 'InvalidImportInput',
  /** The records are expected from another index (the `received` in the message). */
  gap: 'ImportGap',
  /** The input is closed: no more records. */
  closed: 'ImportInputClosed',
  /** The import is continuing as new (or has too much waiting): send the same batch again shortly. */
  busy: 'ImportBusy',
} as const;

/** The memo tag a case opened by an import carries: which import, which record. */
export function importRecordTag(importId: string, index: number): string {
  return `${importId}#${index}`;
}

/** A reason as kept: on one line, at most IMPORT_LIMITS.maxReasonLength characters. */
export function keptReason(reason: string): string {
  const line = reason.replace(/\s*\n\s*/g, '; ');
  return line.length <= IMPORT_LIMITS.maxReasonLength ? line : `${line.slice(0, IMPORT_LIMITS.maxReasonLength - 1)}…`;
}
