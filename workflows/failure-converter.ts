// Failures carry their message and stack trace inside an encoded payload, which the codec encrypts:
// an error text can quote what it was given (an address an SMTP server refused, a start's input), and
// without this the Temporal server would store it, and show it in its UI, in plain text. Loaded by
// path (runtime/codec.ts), in the worker's sandbox as well as in every client and worker process.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
