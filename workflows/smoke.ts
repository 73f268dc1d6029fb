// A stand-in workflow that proves the engine works end to end: it sleeps through two years of
// durable timers and then sends one e-mail through the activity. The case workflow replaces it.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { sendEmail } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });

export interface SmokeInput {
  days: number;
  to: string;
}

export async function smokeWorkflow(input: SmokeInput): Promise<string> {
  for (let day = 0; day < input.days; day += 7) await sleep('7 days');
  const messageId = `<smoke-${input.days}@poortwachter>`;
  await sendEmail({ messageId, to: [input.to], subject: `Smoke: ${input.days} days slept`, text: 'The engine works.' });
  return messageId;
}
