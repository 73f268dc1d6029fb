// Records an activity attempt's heartbeat on the server and returns once the server holds it.
//
// `notify` depends on this for exactly-once delivery: right after the SMTP server accepted a message,
// the attempt records `{ accepted: messageId }`, so that a retry (after a crash, on any worker) sees it
// and does not send again. The SDK's own `heartbeat()` sends in the background and never says when the
// server has it; one RecordActivityTaskHeartbeat call does. (The first version heartbeated through the
// SDK and then polled DescribeWorkflowExecution until the details showed: a heartbeat and one to
// several describe calls per e-mail, which Temporal Cloud counts against its rate limits.)
import type { DataConverter } from '@temporalio/common';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers.js';
import type { temporal } from '@temporalio/proto';

export interface HeartbeatService {
  recordActivityTaskHeartbeat(
    request: temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatRequest,
  ): Promise<temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatResponse>;
}

/** What `notify` hands over: the attempt's task token and the details to record. */
export interface HeartbeatRecord {
  taskToken: Uint8Array;
  details: unknown;
}

/**
 * True once the server holds the details; false when it could not be recorded (the attempt is over on
 * the server, or calls failed for `timeoutMs`). Never throws: by then the message is accepted, and a
 * failed attempt would be retried and send it again.
 */
export type RecordHeartbeat = (record: HeartbeatRecord) => Promise<boolean>;

/**
 * `dataConverter` must be the worker's own: the server keeps the details as they are sent, and a
 * retry's `heartbeatDetails` are decoded (and decrypted) with the worker's converter.
 */
export function heartbeatRecorder(
  service: HeartbeatService,
  namespace: string,
  dataConverter: DataConverter,
  { timeoutMs = 5_000 }: { timeoutMs?: number } = {},
): RecordHeartbeat {
  const converter = loadDataConverter(dataConverter);
  return async ({ taskToken, details }) => {
    const payloads = await encodeToPayloads(converter, details);
    const request = { namespace, taskToken, details: { payloads: payloads ?? [] } };
    const deadline = Date.now() + timeoutMs;
    for (let pause = 50; ; pause = Math.min(pause * 2, 1_000)) {
      try {
        await service.recordActivityTaskHeartbeat(request);
        return true;
      } catch (err) {
        // NOT_FOUND: the attempt is over on the server (timed out, or completed by a retry): recording
        // cannot help any more, and calling again would not either.
        if (grpcCode(err) === GRPC_NOT_FOUND || Date.now() + pause > deadline) return false;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };
}

const GRPC_NOT_FOUND = 5;

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
