// Failures carry their message and stack trace inside an encoded payload, which the codec encrypts:
// an error text can quote what it was given (an address an SMTP server refused, a start's input), and
// without this the Temporal server would store it, and show it in its UI, in plain text. Loaded by
// path (runtime/codec.ts), in the worker's sandbox as well as in every client and worker process.
//
// Except the refusals meant for whoever sent something without the keys (a payload in plain JSON, an
// event copied from another case): they can read no encrypted text, and these messages are written
// by us and hold no case data, only ids and what is wrong. Marked with shownToAll().
import {
  DefaultFailureConverter,
  type PayloadConverter,
  type ProtoFailure,
  type SerializationContext,
} from '@temporalio/common';

/** A global symbol: the marker must hold across the sandbox's and the process's module copies. */
const SHOWN = Symbol.for('poortwachter.failure-shown-to-all');

/** Marks an error whose message goes out unencrypted: only for texts without case data. */
export function shownToAll<E extends Error>(err: E): E {
  Object.defineProperty(err, SHOWN, { value: true });
  return err;
}

class CaseFailureConverter extends DefaultFailureConverter {
  override errorToFailure(
    err: unknown,
    payloadConverter: PayloadConverter,
    context?: SerializationContext,
  ): ProtoFailure {
    const failure = super.errorToFailure(err, payloadConverter, context);
    if (err instanceof Error && (err as unknown as Record<symbol, unknown>)[SHOWN] === true) {
      failure.message = err.message;
      failure.encodedAttributes = null;
    }
    return failure;
  }
}

export const failureConverter = new CaseFailureConverter({ encodeCommonAttributes: true });
