// Where a workflow's time went, read from its histories: how long its workflow tasks and activities
// waited in their task queues (scheduled to started) and how long its activities ran (started to
// closed). A task that waits is a worker (or a queue shared with other work) that is behind.
import proto from '@temporalio/proto';
import type { History } from '../harness.js';
import { distribution, round, type Distribution } from '../util.js';

const EventType = proto.temporal.api.enums.v1.EventType;

export interface Waits {
  /** Scheduled to started, in ms. */
  workflowTaskWaitMs: Distribution;
  activityWaitMs: Distribution;
  /** Started to completed (or failed, timed out), in ms. */
  activityRunMs: Distribution;
}

const millis = (t: proto.google.protobuf.ITimestamp | null | undefined) =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;

const rounded = (values: number[]): Distribution => {
  const d = distribution(values);
  return { ...d, p50: round(d.p50), p99: round(d.p99), max: round(d.max), mean: round(d.mean) };
};

export function waitsOf(histories: History[]): Waits {
  const workflowTasks: number[] = [];
  const activityWaits: number[] = [];
  const activityRuns: number[] = [];
  for (const history of histories) {
    const at = new Map<number, number>();
    for (const e of history.events ?? []) {
      const id = Number(e.eventId);
      const time = millis(e.eventTime);
      at.set(id, time);
      const since = (scheduled: unknown) => time - (at.get(Number(scheduled)) ?? time);
      switch (e.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
          workflowTasks.push(since(e.workflowTaskStartedEventAttributes?.scheduledEventId));
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
          activityWaits.push(since(e.activityTaskStartedEventAttributes?.scheduledEventId));
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
          activityRuns.push(since(e.activityTaskCompletedEventAttributes?.startedEventId));
          break;
      }
    }
  }
  return {
    workflowTaskWaitMs: rounded(workflowTasks),
    activityWaitMs: rounded(activityWaits),
    activityRunMs: rounded(activityRuns),
  };
}

/** How long each workflow waited for its first workflow task (from its start). */
export function firstTaskWaits(histories: History[]): Distribution {
  const waits: number[] = [];
  for (const history of histories) {
    const events = history.events ?? [];
    const started = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    if (started && events[0]) waits.push(millis(started.eventTime) - millis(events[0].eventTime));
  }
  return rounded(waits);
}
