// The engine's limit: a workflow with the same number of timers and activities as an average case,
// and no domain logic. Bundled on its own by bench/baseline.ts.
import { proxyActivities, sleep } from '@temporalio/workflow';

export interface BaselineActivities {
  noop(i: number): Promise<number>;
}

const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '1 minute' });

export interface BaselineInput {
  timers: number;
  activities: number;
  /** The simulated time the timers span in total (about two years for a long case). */
  spanMs: number;
}

export async function baselineWorkflow({ timers, activities, spanMs }: BaselineInput): Promise<number> {
  const steps = Math.max(timers, activities);
  let sum = 0;
  for (let i = 0; i < steps; i++) {
    if (i < timers) await sleep(Math.max(1000, Math.floor(spanMs / Math.max(timers, 1))));
    if (i < activities) sum += await noop(i);
  }
  return sum;
}
