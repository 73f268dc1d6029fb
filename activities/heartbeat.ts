// Records an activity attempt's heartbeat on the server and returns once the server holds it.
//
// `notify` depends on this for exactly-once delivery: right after the SMTP server accepted a message,
// the attempt records `{ accepted: messageId }`, so that a retry (after a crash, on any worker) sees it
// and does not send again. The SDK's own `heartbeat()` sends in the background and never says when the
// server has it; one RecordActivityTaskHeartbeat call does, and its answer is the acknowledgement.
// (Before, notify heartbeated through the SDK and then polled DescribeWorkflowExecution until the
// details showed: a heartbeat and one to several describe calls per e-mail, each of them work for the
// server, and counted against Temporal Cloud's rate limits.)
import type { DataConverter } from '@temporalio/common';
import { encodeToPayloadsWithContext } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers.js';
import type { temporal } from '@temporalio/proto';

/** The part of a NativeConnection the recorder uses (a fake one in unit tests). */
export interface HeartbeatConnection {
  workflowService: {
    recordActivityTaskHeartbeat(
      request: temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatRequest,
    ): Promise<temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatResponse>;
  };
  /** Runs `fn` with a gRPC deadline on the calls it makes. */
  withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R>;
}

/** What `notify` hands over: whose attempt it is, and the details to record. */
export interface HeartbeatRecord {
  taskToken: Uint8Array;
  workflowId: string;
  activityId: string;
  details: unknown;
}

/**
 * True once the server holds the details; false when they could not be recorded (the attempt is over
 * on the server, or the calls failed for `timeoutMs`). Never throws: by then the message is accepted,
 * and a failed attempt would be retried and send it again.
 */
export type RecordHeartbeat = (record: HeartbeatRecord) => Promise<boolean>;

const GRPC_NOT_FOUND = 5;

/**
 * `dataConverter` must be the worker's own: the server keeps the details as they are sent, and a
 * retry's `heartbeatDetails` are decoded (and decrypted) by the SDK with the worker's converter, in
 * the activity's serialization context, which is why they are encoded in that context here too.
 *
 * `timeoutMs` bounds the whole recording, every call included: one call that hangs ends at the
 * deadline like a failed one (the heartbeat timeout of `notify` is 10 s; this stays well inside it).
 */
export function heartbeatRecorder(
  connection: HeartbeatConnection,
  namespace: string,
  dataConverter: DataConverter,
  { timeoutMs = 5_000 }: { timeoutMs?: number } = {},
): RecordHeartbeat {
  const converter = loadDataConverter(dataConverter);
  return async ({ taskToken, workflowId, activityId, details }) => {
    const deadline = Date.now() + timeoutMs;
    let payloads;
    try {
      payloads = await encodeToPayloadsWithContext(
        converter,
        { type: 'activity', namespace, workflowId, activityId, isLocal: false },
        [details],
      );
    } catch {
      return false; // cannot happen with the project's converter; never a reason to send twice
    }
    const request = { namespace, taskToken, details: { payloads: payloads ?? [] } };
    for (let pause = 50; ; pause = Math.min(pause * 2, 1_000)) {
      try {
        await connection.withDeadline(deadline, () => connection.workflowService.recordActivityTaskHeartbeat(request));
        return true;
      } catch (err) {
        // NOT_FOUND: the attempt is over on the server (timed out, or completed by a retry): recording
        // cannot help any more, and calling again would not either.
        if (grpcCode(err) === GRPC_NOT_FOUND || Date.now() + pause >= deadline) return false;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };
}

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
