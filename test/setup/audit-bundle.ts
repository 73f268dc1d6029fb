// A bundle's text (JSON lines, format /2) read whole into its parts, for tests that change one part
// and write the bundle again with serializeBundle.
import type { AuditBundle } from '../../client/audit/bundle.js';

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
