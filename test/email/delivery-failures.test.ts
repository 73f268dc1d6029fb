// An SMTP server that fails on purpose: a temporary refusal (4xx) is retried until the message goes
// through, once; a permanent one (5xx) is not retried forever but recorded and reported to operations.
import { afterAll, describe, expect, it } from 'vitest';
import { openCase, recordEvent } from '../../client/cases.js';
import { addDays, addWorkingDays } from '../../workflows/calendar/index.js';
import { addresses, entries, mailsOf, taskMessageId } from '../setup/case-story.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';

/**
 * Both cases start on Monday 2027-01-11, an ordinary winter date: these tests are about the SMTP
 * server's answers, and the retries take seconds of server time, so no holiday or change of summer
 * time comes near them.
 */
const D = '2027-01-11';

describe('SMTP failures', () => {
  const worlds: CaseWorld[] = [];
  afterAll(async () => {
    for (const w of worlds) await w.close();
  });

  it('a temporary refusal (451) is retried with backoff until it succeeds, and arrives once', async () => {
    const refused: string[] = [];
    const world = await startCaseWorld({
      sink: {
        refuseMessage: (mail) => {
          if (refused.filter((id) => id === mail.messageId).length >= 3) return undefined;
          refused.push(mail.messageId ?? '');
          return { code: 451, message: 'try again later' };
        },
      },
    });
    worlds.push(world);
    const caseId = `smtp-4xx-${Date.now()}`;
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D, { completed: { ziekmelding: D } }));
    const due = addDays(D, 41);
    await world.travelTo(addWorkingDays(due, -4), 12);
    const id = taskMessageId(caseId, 'reminder', 'probleemanalyse', due);
    expect(refused.filter((r) => r === id)).toHaveLength(3);
    expect(mailsOf(world, caseId).filter((m) => m.messageId === id)).toHaveLength(1);
    const view = await world.show(caseId);
    expect(entries(view, 'reminder', 'probleemanalyse')).toHaveLength(1);
    expect(entries(view, 'delivery-failed')).toHaveLength(0);
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test' });
  });

  it('a recipient refused for now (451) is tried again alone: the others get one copy', async () => {
    let refusals = 0;
    const world = await startCaseWorld({
      sink: {
        refuseRecipient: (address) =>
          address === 'anna@arbo.example' && refusals++ < 2 ? { code: 451, message: 'mailbox busy' } : undefined,
      },
    });
    worlds.push(world);
    const caseId = `smtp-451-one-${Date.now()}`;
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D, { completed: { ziekmelding: D } }));
    const due = addDays(D, 41);
    await world.travelTo(addWorkingDays(due, -4), 12);
    const id = taskMessageId(caseId, 'reminder', 'probleemanalyse', due);
    const copies = mailsOf(world, caseId).filter((m) => m.messageId === id);
    // The first attempt reached the bedrijfsarts; the casemanager's copy came with a later one, to her alone.
    expect(refusals).toBe(3);
    expect(copies.map((m) => m.envelopeTo)).toEqual([['arts@arbo.example'], ['anna@arbo.example']]);
    // Both copies name both recipients, as one message does.
    expect(addresses(copies[1]!, 'to').sort()).toEqual(['anna@arbo.example', 'arts@arbo.example']);
    const view = await world.show(caseId);
    expect(entries(view, 'reminder', 'probleemanalyse').map((e) => e.recipients?.sort())).toEqual([
      ['anna@arbo.example', 'arts@arbo.example'],
    ]);
    expect(entries(view, 'delivery-failed')).toHaveLength(0);
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test' });
  });

  it('a permanent refusal (550) is recorded on the timeline and reported to the operations address', async () => {
    const world = await startCaseWorld({
      activities: { operationsEmail: 'operations@arbo.example' },
      sink: {
        refuseRecipient: (address) =>
          address === 'weg@arbo.example' ? { code: 550, message: 'mailbox unavailable' } : undefined,
      },
    });
    worlds.push(world);
    const caseId = `smtp-5xx-${Date.now()}`;
    await world.startAt(D, 9);
    await openCase(
      world.cases,
      sampleCase(caseId, D, {
        completed: { ziekmelding: D },
        casemanager: { name: 'Weg', email: 'weg@arbo.example' },
        reminderPolicy: { probleemanalyse: { escalate: false } },
      }),
    );
    // The probleemanalyse reminder goes to the casemanager (refused) and the bedrijfsarts (accepted):
    // delivered to the bedrijfsarts, failed for the casemanager. The plan-van-aanpak reminder goes to
    // the casemanager alone: refused outright.
    await world.travelTo(addWorkingDays(addDays(D, 55), -4), 12);
    const view = await world.show(caseId);
    expect(view.status).toBe('open');
    expect(entries(view, 'reminder', 'probleemanalyse').map((e) => e.recipients)).toEqual([['arts@arbo.example']]);
    const partly = entries(view, 'delivery-failed', 'probleemanalyse');
    expect(partly.map((e) => [e.recipients, e.details?.slice(0, 13)])).toEqual([
      [['weg@arbo.example'], 'reminder: 550'],
    ]);
    const failed = entries(view, 'delivery-failed', 'plan-van-aanpak');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.details).toContain('550');
    expect(failed[0]!.recipients).toEqual(['weg@arbo.example']);
    const reports = world.sink.messages.filter((m) => m.messageId?.startsWith(`<${caseId}.delivery-failed.`));
    expect(reports).toHaveLength(2);
    for (const report of reports) {
      expect(addresses(report, 'to')).toEqual(['operations@arbo.example']);
      expect(report.subject).toBe(`[${caseId}] E-mail niet bezorgd: reminder`);
      expect(report.text).toContain('weg@arbo.example');
    }
    expect(reports[1]!.text).toContain(failed[0]!.messageId!);
    // Not retried forever: the refused reminder is not tried again later.
    await world.travelTo(addDays(D, 60), 12);
    const later = await world.show(caseId);
    // The refused reminder is not tried again; the escalation after it went to HR, not to the casemanager.
    expect(
      entries(later, 'delivery-failed', 'plan-van-aanpak').map((e) => [e.details?.slice(0, 15), e.recipients]),
    ).toEqual([
      ['reminder: the m', ['weg@arbo.example']],
      ['escalation: 550', ['weg@arbo.example']],
    ]);
    expect(entries(later, 'escalation', 'plan-van-aanpak').map((e) => e.recipients)).toEqual([
      ['hr@korenschoof.example'],
    ]);
    expect(entries(later, 'reminder', 'probleemanalyse')).toHaveLength(1);
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test' });
  });
});
