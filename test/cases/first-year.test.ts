// The end of the first year: the eerstejaarsevaluatie decides on spoor 1. When spoor 1 has no
// prospect, the case asks the casemanager to request a deskundigenoordeel from UWV at once, spoor 2
// falls due six weeks later, and the request is followed up after four weeks without an answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent } from '../../client/cases.js';
import { addDays, firstWorkingDayAfter } from '../../workflows/calendar/index.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { addresses, dueOf, entries, inAmsterdam, mailsOf, taskMessageId } from '../setup/case-story.js';

describe('the first-year evaluation', () => {
  let world: CaseWorld;
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('with spoor1-uitzichtloos leads to the deskundigenoordeel request and brings spoor 2 forward', async () => {
    const caseId = `eja-uitzichtloos-${Date.now()}`;
    // First sick day Monday 2026-03-30: the evaluation is held on Wednesday 2027-03-10 in winter
    // time, and the follow-up four weeks later (Wednesday 2027-04-07) falls in summer time; both at
    // 08:00 local time.
    const D = '2026-03-30';
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));

    // Week 50 (the evaluation may be held from week 46, D + 315): spoor 1 has no prospect.
    const held = addDays(D, 7 * 49 + 2);
    await world.travelTo(held, 10);
    expect(mailsOf(world, caseId).filter((m) => m.messageId?.includes('deskundigenoordeel'))).toEqual([]);
    await recordEvent(world.cases, caseId, {
      type: 'task-completed',
      actor: 'p.jansen@korenschoof.example',
      task: 'eerstejaarsevaluatie',
      date: held,
      outcome: 'spoor1-uitzichtloos',
    });
    await world.env.sleep(60_000);

    const requestId = `<${caseId}.deskundigenoordeel-request.${held}@poortwachter>`;
    const request = mailsOf(world, caseId).filter((m) => m.messageId === requestId);
    expect(request).toHaveLength(1);
    expect(addresses(request[0]!, 'to')).toEqual(['anna@arbo.example']);
    expect(addresses(request[0]!, 'cc')).toEqual(['hr@korenschoof.example']);
    expect(request[0]!.subject).toContain('deskundigenoordeel');
    expect(request[0]!.text).toContain('spoor 1) niet haalbaar');
    expect(request[0]!.text).toContain('verslag van de eerstejaarsevaluatie');

    let view = await world.show(caseId);
    expect(view.deskundigenoordeel).toEqual({ requestedOn: held, because: 'eerstejaarsevaluatie-spoor1-uitzichtloos' });
    const requestEntry = entries(view, 'deskundigenoordeel-request')[0]!;
    expect(inAmsterdam(requestEntry.at).date).toBe(held);
    expect(requestEntry.messageId).toBe(requestId);
    // Spoor 2: six weeks after the evaluation (instead of D + 405).
    const spoor2Due = addDays(held, 42);
    expect(dueOf(view, 'start-tweede-spoor')).toBe(spoor2Due);
    expect(view.calendar.milestones.find((m) => m.id === 'eerstejaarsevaluatie')?.doneOn).toBe(held);

    // Four weeks later, no deskundigenoordeel recorded: a follow-up at 08:00.
    const followUpOn = addDays(held, 28);
    await world.travelTo(followUpOn, 9);
    const followUpId = `<${caseId}.deskundigenoordeel-reminder.${held}@poortwachter>`;
    expect(mailsOf(world, caseId).filter((m) => m.messageId === followUpId)).toHaveLength(1);
    view = await world.show(caseId);
    const followUp = entries(view, 'deskundigenoordeel-reminder')[0]!;
    expect(inAmsterdam(followUp.at)).toEqual({ date: followUpOn, time: '08:00' });
    // Summer time by now: 08:00 is 06:00 UTC (on the day of the request it was 07:00 UTC).
    expect(new Date(followUp.at).getUTCHours()).toBe(6);

    // The answer arrives two days later, spoor 2 starts in time: no escalation, no second request.
    await world.travelTo(addDays(held, 30), 10);
    await recordEvent(world.cases, caseId, {
      type: 'deskundigenoordeel-received',
      actor: 'anna@arbo.example',
      date: addDays(held, 30),
      question: 'geschikt-eigen-werk',
      outcome: 'niet geschikt voor het eigen werk',
    });
    await world.travelTo(spoor2Due, 10);
    await recordEvent(world.cases, caseId, {
      type: 'task-completed',
      actor: 'p.jansen@korenschoof.example',
      task: 'start-tweede-spoor',
      date: spoor2Due,
    });
    await world.travelTo(addDays(spoor2Due, 60), 10);
    view = await world.show(caseId);
    expect(view.deskundigenoordeel).toEqual({
      requestedOn: held,
      because: 'eerstejaarsevaluatie-spoor1-uitzichtloos',
      receivedOn: addDays(held, 30),
    });
    const mails = mailsOf(world, caseId).map((m) => m.messageId);
    expect(mails.filter((id) => id?.includes('deskundigenoordeel'))).toEqual([requestId, followUpId]);
    expect(mails).toContain(taskMessageId(caseId, 'reminder', 'start-tweede-spoor', spoor2Due));
    expect(mails.filter((id) => id?.includes('.escalation.start-tweede-spoor.'))).toEqual([]);
  });

  it('with spoor1-perspectief asks for nothing, but a late spoor 2 leads to the request', async () => {
    const caseId = `eja-perspectief-${Date.now()}`;
    // First sick day Tuesday 2026-03-17: spoor 2 falls due on Monday 2027-04-26, the day before
    // Koningsdag, so the escalation and the request come on Wednesday 2027-04-28.
    const D = '2026-03-17';
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    const held = addDays(D, 363); // week 52, on the due date
    await world.travelTo(held, 10);
    await recordEvent(world.cases, caseId, {
      type: 'task-completed',
      actor: 'p.jansen@korenschoof.example',
      task: 'eerstejaarsevaluatie',
      date: held,
      outcome: 'spoor1-perspectief',
    });
    const spoor2Due = addDays(held, 42);
    await world.travelTo(spoor2Due, 10);
    let view = await world.show(caseId);
    expect(view.deskundigenoordeel).toBeUndefined();
    expect(mailsOf(world, caseId).filter((m) => m.messageId?.includes('deskundigenoordeel'))).toEqual([]);

    // Spoor 2 does not start: escalated, and the deskundigenoordeel is asked for the same morning.
    const escalationOn = firstWorkingDayAfter(spoor2Due);
    expect(escalationOn).toBe('2027-04-28');
    await world.travelTo(escalationOn, 9);
    view = await world.show(caseId);
    expect(view.deskundigenoordeel).toEqual({ requestedOn: escalationOn, because: 'start-tweede-spoor-overdue' });
    const ids = mailsOf(world, caseId).map((m) => m.messageId);
    expect(ids).toContain(taskMessageId(caseId, 'escalation', 'start-tweede-spoor', spoor2Due));
    expect(ids).toContain(`<${caseId}.deskundigenoordeel-request.${escalationOn}@poortwachter>`);
    expect(inAmsterdam(entries(view, 'deskundigenoordeel-request')[0]!.at)).toEqual({
      date: escalationOn,
      time: '08:00',
    });
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test done' });
  });
});
