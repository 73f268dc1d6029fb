// Confirms that the server holds an activity attempt's heartbeat: the SDK sends heartbeats in the
// background and reports no acknowledgement, so `notify` asks the server (DescribeWorkflowExecution)
// until the pending activity shows heartbeat details for this attempt. The details may be encrypted
// by the payload codec: only their presence is checked.
import type { temporal } from '@temporalio/proto';

export interface DescribeService {
  describeWorkflowExecution(
    request: temporal.api.workflowservice.v1.IDescribeWorkflowExecutionRequest,
  ): Promise<temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse>;
}

export function heartbeatConfirmer(service: DescribeService, namespace: string, timeoutMs = 5_000) {
  return async ({ workflowId, activityId, attempt }: { workflowId: string; activityId: string; attempt: number }) => {
    const deadline = Date.now() + timeoutMs;
    // The heartbeat usually reaches the server within milliseconds: ask again soon, then less often.
    // (A fixed 100 ms pause made every e-mail cost 100 ms, and the 08:00 wave three times as long.)
    for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
      const response = await service.describeWorkflowExecution({ namespace, execution: { workflowId } });
      const pending = response.pendingActivities?.find((a) => a.activityId === activityId);
      if (pending && (pending.attempt ?? 1) === attempt && (pending.heartbeatDetails?.payloads?.length ?? 0) > 0)
        return;
      if (!pending || Date.now() > deadline) return; // gone (timed out, completed) or not seen in time: go on
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };
}
