// The daily digest's Temporal Schedule: 08:00 Europe/Amsterdam, Monday to Friday, starting
// `digestWorkflow` (workflows/digest-workflow.ts). The Schedule does not know Dutch holidays; the
// workflow itself sends nothing on a day that is not a working day (the calendar's isWorkingDay).
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleSpec } from '@temporalio/client';

export const DIGEST_SCHEDULE_ID = 'poortwachter-daily-digest';

export const DIGEST_SCHEDULE_SPEC: ScheduleSpec = {
  calendars: [
    {
      hour: 8,
      minute: 0,
      dayOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'],
      comment: '08:00 on weekdays; the workflow skips general holidays',
    },
  ],
  timezone: 'Europe/Amsterdam',
};

function scheduleDefinition(taskQueue: string) {
  return {
    spec: DIGEST_SCHEDULE_SPEC,
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'digestWorkflow',
      args: [{}],
      taskQueue,
      // The Schedule appends the scheduled time, so each run has its own id.
      workflowId: 'digest',
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      // A digest about this morning is still useful in the morning, not days later after an outage.
      catchupWindow: '4 hours',
    },
  };
}

/**
 * Creates the Schedule, or brings an existing one up to date (spec, action, policies); its paused
 * state and history are kept. Safe to call from every worker at start.
 */
export async function ensureDigestSchedule(client: Client, taskQueue: string): Promise<'created' | 'updated'> {
  const definition = scheduleDefinition(taskQueue);
  try {
    await client.schedule.create({ scheduleId: DIGEST_SCHEDULE_ID, ...definition });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(DIGEST_SCHEDULE_ID).update((previous) => ({
    ...previous,
    ...definition,
    state: { paused: previous.state.paused, note: previous.state.note },
  }));
  return 'updated';
}
