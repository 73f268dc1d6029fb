// Task e-mails and the hour: a case opened at 23:00 on a Tuesday waits with its first reminder until
// Wednesday 08:00; one opened with "anyHour" sends it at once. First sick day Monday 1 March 2027; the
// ziekmelding is due Sunday 7 March, so its reminder moment (Monday 1 March) has passed when it opens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent } from '../../client/cases.js';
import { amsterdamInstant } from '../../workflows/calendar/amsterdam-time.js';
import { mailsOf, taskMessageId } from '../setup/case-story.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';

async function eventuallyTrue(ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('the e-mail did not arrive');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('task e-mails and office hours', () => {
  let world: CaseWorld;
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('waits for 08:00 of the next working day, unless the case says any hour will do', async () => {
    const D = '2027-03-01';
    await world.startAt('2027-03-02', 23);
    const run = Date.now();
    const [waits, anyHour] = [`office-${run}`, `any-hour-${run}`];
    await openCase(world.cases, sampleCase(waits, D));
    await openCase(world.cases, sampleCase(anyHour, D, { anyHour: true }));
    const reminder = (caseId: string) =>
      mailsOf(world, caseId).filter(
        (m) => m.messageId === taskMessageId(caseId, 'reminder', 'ziekmelding', '2027-03-07'),
      );
    // The case that may send at any hour has sent it (it arrives); the other's first round is done
    // (a query waits for it) and holds no reminder: it waits, with its wake-up set for 08:00.
    await eventuallyTrue(() => reminder(anyHour).length === 1);
    const night = await world.show(waits);
    expect(night.timeline.filter((e) => e.kind === 'reminder')).toEqual([]);
    await world.travelTo('2027-03-03', 9);
    expect(reminder(waits)).toHaveLength(1);
    const morning = await world.show(waits);
    const entry = morning.timeline.find((e) => e.kind === 'reminder')!;
    // Sent at 08:00 Amsterdam on Wednesday (07:00 UTC in winter).
    expect(entry.at.slice(0, 16)).toBe(new Date(amsterdamInstant('2027-03-03', 8)).toISOString().slice(0, 16));
    for (const caseId of [waits, anyHour]) {
      await recordEvent(world.cases, caseId, { type: 'case-closed', reason: 'einde test', actor: 'anna' });
    }
  });
});
