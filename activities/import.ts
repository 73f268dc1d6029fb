// The bulk import's side effect: opening the cases of a chunk of records. How a case is opened comes
// in as a CaseOpener (the worker gives it one over the client library, see client/cases.ts
// `caseOpener`), so that activities never depend on the client. Records hold personal data: nothing
// here logs them, only counts.
import { Context } from '@temporalio/activity';
import type { ImportRecord, ImportRecordOutcome } from '../workflows/contract.js';
import { importRecordTag } from '../workflows/import-api.js';

export interface CaseOpener {
  /**
   * Opens the case of `record`, tagged `tag` (which import, which record). `opened` also when the
   * case exists with this very tag (an earlier attempt opened it); `duplicate` when it exists
   * otherwise; `refused` with the reason when the client library refuses the record. Throws only
   * when the server cannot be reached or fails: the activity is retried.
   */
  open(record: unknown, tag: string): Promise<{ outcome: 'opened' | 'duplicate' | 'refused'; reason?: string }>;
}

function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not inside an activity (plain unit tests)
  }
}

/** Opens every record of the chunk at once; one outcome per record, in the records' order. */
export async function openImportedCases(
  opener: CaseOpener,
  importId: string,
  records: ImportRecord[],
): Promise<ImportRecordOutcome[]> {
  let settled = 0;
  return Promise.all(
    records.map(async ({ index, record }) => {
      const { outcome, reason } = await opener.open(record, importRecordTag(importId, index));
      heartbeat({ settled: (settled += 1) });
      return { index, outcome, ...(reason !== undefined && { reason }) };
    }),
  );
}
