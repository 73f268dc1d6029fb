// The engine's limit: a workflow that does what a case did (the trace from its history: the same
// wake-ups, the same number of activities at the same moments, the same updates from the driver) with
// no domain logic. Bundled on its own by bench/others.ts.
import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Trace } from './trace.js';

export interface BaselineActivities {
  noop(i: number): Promise<number>;
}

const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '1 minute' });

/** What the driver sends where the lifecycle records a story event. */
export const pokeUpdate = defineUpdate<void>('poke');

/**
 * A case's activities of one wake-up are scheduled a few (real) milliseconds apart; the next wake-up
 * of a case is at least an hour later. Anything due within this slack runs at the current wake-up.
 */
const SLACK_MS = 60_000;

export async function baselineWorkflow({ wakes, activities, endMs }: Trace): Promise<number> {
  const start = Date.now();
  const elapsed = () => Date.now() - start;
  let pokes = 0;
  setHandler(pokeUpdate, () => {
    pokes++;
  });
  let nextWake = 0;
  let nextActivity = 0;
  let ran = 0;
  let poked = false;
  // The same loop shape as the case workflow: act on what is due, then sleep until the next moment
  // or until an update arrives, whichever comes first.
  for (;;) {
    let awaited = false;
    while (nextActivity < activities.length && activities[nextActivity]! <= elapsed() + SLACK_MS) {
      ran = await noop(ran + 1);
      nextActivity++;
      awaited = true;
    }
    while (nextWake < wakes.length && wakes[nextWake]! <= elapsed()) nextWake++;
    // Done when the case's last wake-up and activity are done (its end timer is its last wake-up).
    // Not in the activation that took an update, though: the Java test server refuses a completion
    // there ("invalid history builder state"); the case workflow never does it either.
    if (nextWake >= wakes.length && nextActivity >= activities.length && (!poked || awaited)) return ran;
    const wakeAt = nextWake < wakes.length ? wakes[nextWake]! : endMs;
    const seen = pokes;
    poked = await condition(() => pokes !== seen, Math.max(wakeAt - elapsed(), 1));
  }
}
