// A case handed to another casemanager mid-flight, and a stand-in for a holiday: the invitation the
// old casemanager holds is cancelled for them alone, the next reminder goes to the new one (and the
// bedrijfsarts keeps theirs), the case is listed under the new casemanager; a stand-in gets the
// casemanager's e-mails during their period, and not after it. First sick day Monday 2 March 2026.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent } from '../../client/cases.js';
import { addDays, addWorkingDays } from '../../workflows/calendar/index.js';
import { CASEMANAGER_ID } from '../../workflows/search-attributes.js';
import { addresses, mailsOf, taskMessageId } from '../setup/case-story.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { testSearchKeys } from '../setup/temporal.js';

describe('reassignment and stand-ins', () => {
  let world: CaseWorld;
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('a case reassigned mid-flight: the old invitation cancelled for the old casemanager, the next reminder to the new', async () => {
    const D = '2026-03-02';
    await world.startAt(D, 9);
    const caseId = `reassign-${Date.now()}`;
    await openCase(world.cases, sampleCase(caseId, D));
    await recordEvent(world.cases, caseId, { type: 'task-completed', task: 'ziekmelding', date: D, actor: 'anna' });

    // The probleemanalyse is reminded (Anna and the bedrijfsarts, with an invitation).
    const pa = addDays(D, 41);
    await world.travelTo(addWorkingDays(pa, -5), 10);
    const reminder = mailsOf(world, caseId).find(
      (m) => m.messageId === taskMessageId(caseId, 'reminder', 'probleemanalyse', pa),
    );
    expect(addresses(reminder!, 'to').sort()).toEqual(['anna@arbo.example', 'arts@arbo.example']);

    // Handed to Bram.
    const today = await world.today();
    await recordEvent(world.cases, caseId, {
      type: 'casemanager-changed',
      name: 'Bram de Boer',
      email: 'bram@arbo.example',
      from: today,
      actor: 'tom (teamleider)',
    });
    await world.travelTo(today, 12);
    const cancels = mailsOf(world, caseId).filter((m) => m.messageId?.includes('.calendar-cancel.probleemanalyse.'));
    expect(cancels).toHaveLength(1);
    expect(addresses(cancels[0]!, 'to')).toEqual(['anna@arbo.example']); // the bedrijfsarts keeps theirs
    expect(cancels[0]!.text).toContain('Probleemanalyse');
    const view = await world.show(caseId);
    expect(view.casemanager).toEqual({ name: 'Bram de Boer', email: 'bram@arbo.example' });
    expect(view.timeline.filter((e) => e.kind === 'calendar-cancelled' && e.task === 'probleemanalyse')).toMatchObject([
      { recipients: ['anna@arbo.example'] },
    ]);

    // The probleemanalyse is done; the plan van aanpak's reminder goes to Bram, not Anna.
    await recordEvent(world.cases, caseId, {
      type: 'task-completed',
      task: 'probleemanalyse',
      date: today,
      actor: 'bram',
    });
    const pva = (await world.show(caseId)).calendar.milestones.find((m) => m.id === 'plan-van-aanpak')!.due;
    await world.travelTo(addWorkingDays(pva, -5), 10);
    const next = mailsOf(world, caseId).find(
      (m) => m.messageId === taskMessageId(caseId, 'reminder', 'plan-van-aanpak', pva),
    );
    expect(addresses(next!, 'to')).toEqual(['bram@arbo.example']);

    // The case is searchable under Bram now, by his keyed identifier (the digest finds his cases by it).
    const description = await world.cases.client.workflow.getHandle(`case-${caseId}`).describe();
    expect(description.typedSearchAttributes.get(CASEMANAGER_ID)).toBe(
      testSearchKeys().casemanager('bram@arbo.example'),
    );
  });

  it("a stand-in gets the casemanager's e-mails during the period, and not after it", async () => {
    const D = '2026-03-02';
    await world.startAt(D, 9);
    const caseId = `stand-in-${Date.now()}`;
    await openCase(world.cases, sampleCase(caseId, D));
    await recordEvent(world.cases, caseId, { type: 'task-completed', task: 'ziekmelding', date: D, actor: 'anna' });
    const pa = addDays(D, 41);
    const paReminder = addWorkingDays(pa, -5);
    // Carla stands in for Anna during the week of the probleemanalyse's reminder.
    await recordEvent(world.cases, caseId, {
      type: 'stand-in',
      name: 'Carla',
      email: 'carla@arbo.example',
      from: addDays(paReminder, -2),
      until: addDays(paReminder, 2),
      actor: 'anna',
    });
    await world.travelTo(paReminder, 10);
    const during = mailsOf(world, caseId).find(
      (m) => m.messageId === taskMessageId(caseId, 'reminder', 'probleemanalyse', pa),
    );
    expect(addresses(during!, 'to').sort()).toEqual(['anna@arbo.example', 'arts@arbo.example', 'carla@arbo.example']);

    // After the period: the plan van aanpak's reminder to Anna alone.
    await recordEvent(world.cases, caseId, {
      type: 'task-completed',
      task: 'probleemanalyse',
      date: paReminder,
      actor: 'anna',
    });
    const pva = (await world.show(caseId)).calendar.milestones.find((m) => m.id === 'plan-van-aanpak')!.due;
    await world.travelTo(addWorkingDays(pva, -5), 10);
    const after = mailsOf(world, caseId).find(
      (m) => m.messageId === taskMessageId(caseId, 'reminder', 'plan-van-aanpak', pva),
    );
    expect(addresses(after!, 'to')).toEqual(['anna@arbo.example']);
  });
});
