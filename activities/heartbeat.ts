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
 * `recorded`: the server holds the details. `attempt-over`: the server no longer knows this attempt
 * (it timed out, or a retry completed it; NOT_FOUND). `unreachable`: no answer within the time limit,
 * or another error.
 * Never throws: by then the message is accepted, and a failed attempt would be retried and send it
 * again.
 */
export type HeartbeatOutcome = 'recorded' | 'attempt-over' | 'unreachable';
export type RecordHeartbeat = (record: HeartbeatRecord) => Promise<HeartbeatOutcome>;

const GRPC_NOT_FOUND = 5;

/**
 * `dataConverter` must be the worker's own: the server keeps the details as they are sent, and a
 * retry's `heartbeatDetails` are decoded (and decrypted) by the SDK with the worker's converter, in
 * the activity's serialization context, which is why they are encoded in that context here too.
 *
 * One call: the SDK's connection already retries what is worth retrying (UNAVAILABLE and the like,
 * up to about 10 s, each retry with the full gRPC deadline again), so `timeoutMs` is enforced here, by
 * no longer waiting: the call may still land later, which only helps a retry. notify sends no
 * heartbeat before the SMTP conversation, so the attempt's heartbeat timeout (10 s) runs from its
 * start; 3 s leaves the send most of it.
 */
export function heartbeatRecorder(
  connection: HeartbeatConnection,
  namespace: string,
  dataConverter: DataConverter,
  { timeoutMs = 3_000 }: { timeoutMs?: number } = {},
): RecordHeartbeat {
  const converter = loadDataConverter(dataConverter);
  return async ({ taskToken, workflowId, activityId, details }) => {
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<HeartbeatOutcome>((resolve) => {
      timer = setTimeout(() => resolve('unreachable'), timeoutMs);
    });
    const record = async (): Promise<HeartbeatOutcome> => {
      const payloads = await encodeToPayloadsWithContext(
        converter,
        { type: 'activity', namespace, workflowId, activityId, isLocal: false },
        [details],
      );
      const request = { namespace, taskToken, details: { payloads: payloads ?? [] } };
      await connection.withDeadline(deadline, () => connection.workflowService.recordActivityTaskHeartbeat(request));
      return 'recorded';
    };
    try {
      return await Promise.race([record(), gaveUp]);
    } catch (err) {
      return grpcCode(err) === GRPC_NOT_FOUND ? 'attempt-over' : 'unreachable';
    } finally {
      clearTimeout(timer);
    }
  };
}

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
