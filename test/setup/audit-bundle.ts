// For the audit tests: a committed history as an export files it, and a bundle's text (JSON lines,
// format /2) read whole into its parts, for tests that change one part and write it again.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { AuditBundle } from '../../client/audit/bundle.js';

const historiesDir = fileURLToPath(new URL('../histories/', import.meta.url));

/** A committed case history (never encrypted) under its own run id, as an export files it. */
export function committedRun(file: string) {
  const history = historyFromJSON(JSON.parse(readFileSync(historiesDir + file, 'utf8')));
  return { runId: history.events![0]!.workflowExecutionStartedEventAttributes!.originalExecutionRunId!, history };
}

export function parseBundleText(text: string): AuditBundle {
  const lines = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const closing = lines.at(-1) as Pick<AuditBundle, 'manifestSha256' | 'signature'>;
  return {
    manifest: (lines.at(-2) as Pick<AuditBundle, 'manifest'>).manifest,
    manifestSha256: closing.manifestSha256,
    ...(closing.signature && { signature: closing.signature }),
    histories: lines.slice(1, -2) as unknown as AuditBundle['histories'],
  };
}
