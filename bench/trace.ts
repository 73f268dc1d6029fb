// The shape of a case's work, read from its history: when it woke up and how many activities it ran
// each time, relative to its start. The baseline replays exactly this shape without domain logic, so
// that both runs stop the time-skipping clock at the same server moments and do the same number of
// activities; only what the case workflow adds (calendar, e-mail, state) differs.
import proto from '@temporalio/proto';
import type { History } from './harness.js';

const EventType = proto.temporal.api.enums.v1.EventType;

export interface Trace {
  /** When a timer fired (a wake-up), ms after the start, in time order. */
  wakes: number[];
  /** When each activity was scheduled, ms after the start, in time order. */
  activities: number[];
  /** When the workflow completed, ms after its start. */
  endMs: number;
}

function millis(t: proto.google.protobuf.ITimestamp | null | undefined): number {
  if (!t) return 0;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/**
 * The case woke up when a timer fired or an update (a story event) arrived; the driver sends the
 * updates again, so only the timers are kept as wake-ups. Every activity was scheduled right after
 * a wake-up (or at the start), so the baseline runs the activities due at each of its wake-ups.
 */
export function traceOf(history: History): Trace {
  const events = history.events ?? [];
  const start = millis(events[0]?.eventTime);
  const trace: Trace = { wakes: [], activities: [], endMs: 0 };
  for (const e of events) {
    const at = millis(e.eventTime) - start;
    if (e.eventType === EventType.EVENT_TYPE_TIMER_FIRED) trace.wakes.push(at);
    else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) trace.activities.push(at);
  }
  const last = events[events.length - 1];
  trace.endMs = last ? millis(last.eventTime) - start : 0;
  return trace;
}
