// The engine's limit for what the fleet's phases do, with no domain logic: a workflow that is started
// and sleeps (a case at rest, that takes an update), and one that sends one e-mail (a case at 08:00).
// Bundled on their own by bench/fleet/bare-worker.ts.
import { defineUpdate, proxyActivities, setHandler, sleep } from '@temporalio/workflow';

export interface BareActivities {
  /** Sends one e-mail with this Message-ID, over SMTP, as notify does. */
  sendOne(messageId: string): Promise<void>;
}

const { sendOne } = proxyActivities<BareActivities>({ startToCloseTimeout: '1 minute' });

/** What the events baseline sends where the fleet records an event. */
export const pokeUpdate = defineUpdate<number>('poke');

/** A bare case at rest: asleep for a year, answering updates. */
export async function bareSleeper(): Promise<void> {
  let pokes = 0;
  setHandler(pokeUpdate, () => ++pokes);
  await sleep('365 days');
}

/** A bare case at 08:00: one e-mail. */
export async function bareMailer(messageId: string): Promise<void> {
  await sendOne(messageId);
}
