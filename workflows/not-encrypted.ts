// What the payload codec (runtime/codec.ts) hands on in place of a payload that was not encrypted
// with a known key: anyone who reaches the Temporal API can send one (`temporal workflow update
// execute … --input '{…}'`), and its content is never to be believed. Workflow code sees this marker
// instead of the content and refuses it in its own words (an update's validator, a failed start),
// never with a workflow task that fails and retries.
export const NOT_ENCRYPTED_MARKER = '$notEncrypted';

/** Whether a value is the codec's marker of a payload that was not encrypted with a known key. */
export function isNotEncrypted(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as Record<string, unknown>)[NOT_ENCRYPTED_MARKER] === true
  );
}

export const NOT_ENCRYPTED_MESSAGE =
  'refused: the payload was not encrypted with a key of this arbodienst (send it through poortwachter, not the Temporal API)';
