// Task e-mails against a real SMTP server: the templates (Dutch, English, HTML and text, escaping),
// the calendar invitation of a reminder (updated when the deadline moves, cancelled when done or when
// the case closes), and
// the escalation chain with the supervisor.
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTemplate } from '../../activities/templates.js';
import { openCase, recordEvent } from '../../client/cases.js';
import { addDays, addWorkingDays, firstWorkingDayAfter } from '../../workflows/calendar/index.js';
import { addresses, entries, inAmsterdam, mailsOf, taskMessageId } from '../setup/case-story.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { parseIcs, unescapeText } from './icalendar-parse.js';

function invitation(mail: ParsedMail) {
  const part = mail.attachments.find((a) => a.contentType.startsWith('text/calendar'));
  if (!part) throw new Error(`no text/calendar part in ${mail.messageId}`);
  const calendar = parseIcs(part.content.toString('utf8'));
  const event = calendar.children.find((c) => c.name === 'VEVENT')!;
  return { calendar, event, value: (p: string) => event.props[p]?.value };
}

describe('the template renderer', () => {
  it('escapes values in HTML, not in text, and repeats sections', () => {
    const data = { name: '<script>alert("x")</script> & Co', items: [{ v: 'a' }, { v: 'b' }], none: [] };
    expect(renderTemplate('<p>{{name}}</p>', data, { html: true })).toBe(
      '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co</p>',
    );
    expect(renderTemplate('{{name}}', data, { html: false })).toBe(data.name);
    expect(renderTemplate('{{#items}}[{{v}}]{{/items}}{{^none}}empty{{/none}}', data, { html: false })).toBe(
      '[a][b]empty',
    );
    expect(renderTemplate('a\n{{#items}}\n- {{v}}\n{{/items}}\nb', data, { html: false })).toBe('a\n- a\n- b\nb');
    expect(() => renderTemplate('{{#items}}', data, { html: false })).toThrow(/not closed/);
  });
});

describe('reminders with a calendar invitation', () => {
  let world: CaseWorld;
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('Dutch by default, HTML and text, escaped names; the invitation is updated and then cancelled', async () => {
    const caseId = `mail-ics-${Date.now()}`;
    const enId = `mail-en-${Date.now()}`;
    // First sick day Monday 2027-11-22: the probleemanalyse is due Sunday 2028-01-02, so its reminder
    // goes out on Monday 2027-12-27 for a date in the next year (the subject's dd-mm-yyyy, the
    // invitation's DTSTART); postponed three weeks, it is reminded again on Monday 2028-01-17.
    const D = '2027-11-22';
    await world.startAt(D, 9);
    const hostile = '<script>alert("x")</script> J. de Vries';
    await openCase(world.cases, sampleCase(caseId, D, { employee: { id: 'wn-1', displayName: hostile } }));
    await openCase(
      world.cases,
      sampleCase(enId, D, {
        employer: { id: 'wg-2', name: 'Acme BV', escalationEmail: 'hr@acme.example', language: 'en' },
      }),
    );
    const due = addDays(D, 41);
    await world.travelTo(addWorkingDays(due, -5), 10);

    const [reminder] = mailsOf(world, caseId).filter(
      (m) => m.messageId === taskMessageId(caseId, 'reminder', 'probleemanalyse', due),
    );
    expect(reminder).toBeDefined();
    const dd = `${due.slice(8, 10)}-${due.slice(5, 7)}-${due.slice(0, 4)}`;
    expect(reminder!.subject).toBe(`[${caseId}] Probleemanalyse door de bedrijfsarts: uiterlijk ${dd}`);
    expect(addresses(reminder!, 'to').sort()).toEqual(['anna@arbo.example', 'arts@arbo.example']);
    // What, for which case, by when, who, why, and where to record it (one click to the task's form,
    // through the login; no command for a terminal): in both parts.
    const link = `http://localhost:3000/zaken/${caseId}/vastleggen/task-completed?taak=probleemanalyse`;
    for (const body of [reminder!.text!, reminder!.html as string]) {
      expect(body).toContain(caseId);
      expect(body).toContain(dd);
      expect(body).toContain('bedrijfsarts');
      expect(body).toMatch(/Wettelijke basis/);
      expect(body).toContain(link);
      expect(body).not.toContain('npx poortwachter');
    }
    expect(reminder!.html).toContain(`<a href="${link}">Leg het vast</a>`);
    expect(reminder!.text).toContain('WAT U MOET DOEN');
    expect(reminder!.text).toContain(hostile);
    expect(reminder!.html).not.toContain('<script>');
    expect(reminder!.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');

    const first = invitation(reminder!);
    expect(first.calendar.props.METHOD?.value).toBe('REQUEST');
    expect(first.value('UID')).toBe(`${caseId}.probleemanalyse@poortwachter`);
    expect(first.value('SEQUENCE')).toBe('0');
    expect(first.value('DTSTART')).toBe(due.replace(/-/g, ''));
    expect(first.event.props.DTSTART?.params.VALUE).toBe('DATE');
    expect(first.value('STATUS')).toBe('CONFIRMED');
    expect(unescapeText(first.value('SUMMARY')!)).toBe(reminder!.subject);
    expect(first.value('ATTENDEE')).toMatch(/^mailto:/);
    expect(first.value('URL')).toBe(link); // the same page from the calendar entry

    // English for the employer that asked for it.
    const en = mailsOf(world, enId).find(
      (m) => m.messageId === taskMessageId(enId, 'reminder', 'probleemanalyse', due),
    );
    expect(en?.subject).toBe(`[${enId}] Problem analysis (probleemanalyse): due ${due}`);
    expect(en?.text).toContain('WHAT TO DO');
    expect(en?.text).toContain(
      "Legal basis: Regeling procesgang eerste en tweede ziektejaar: problem analysis with the company doctor's advice",
    );
    expect(en?.text).not.toContain('uiterlijk in week 6');

    // Postponed (art. 5): the calendar entry moves at once, to those who hold it; the new reminder,
    // later, moves the same entry again (same date).
    const newDue = addDays(due, 21);
    const postponedOn = await world.today();
    await recordEvent(world.cases, caseId, {
      type: 'task-postponed',
      actor: 'anna@arbo.example',
      task: 'probleemanalyse',
      newDate: newDue,
      reason: 'bedrijfsarts op vakantie',
    });
    await world.travelTo(postponedOn, 11);
    const moved = mailsOf(world, caseId).filter((m) => m.messageId?.includes('.calendar-update.probleemanalyse.'));
    expect(moved).toHaveLength(1);
    expect(moved[0]!.subject).toBe(
      `[${caseId}] Probleemanalyse door de bedrijfsarts: nu uiterlijk ${newDue.split('-').reverse().join('-')}`,
    );
    const movedEntry = invitation(moved[0]!);
    expect(movedEntry.value('UID')).toBe(first.value('UID'));
    expect(movedEntry.value('SEQUENCE')).toBe('1');
    expect(movedEntry.value('DTSTART')).toBe(newDue.replace(/-/g, ''));
    await world.travelTo(addWorkingDays(newDue, -5), 10);
    const second = mailsOf(world, caseId).find(
      (m) => m.messageId === taskMessageId(caseId, 'reminder', 'probleemanalyse', newDue),
    );
    const updated = invitation(second!);
    expect(updated.value('UID')).toBe(first.value('UID'));
    expect(updated.value('SEQUENCE')).toBe('2');
    expect(updated.value('DTSTART')).toBe(newDue.replace(/-/g, ''));

    // Done: the entry is cancelled with a higher SEQUENCE.
    await recordEvent(world.cases, caseId, {
      type: 'task-completed',
      actor: 'arts@arbo.example',
      task: 'probleemanalyse',
      date: await world.today(),
    });
    await world.travelTo(addDays(await world.today(), 1), 12);
    const cancel = mailsOf(world, caseId).filter((m) => m.messageId?.includes('.calendar-cancel.probleemanalyse.'));
    expect(cancel).toHaveLength(1);
    expect(cancel[0]!.subject).toMatch(new RegExp(`^\\[${caseId}\\] Probleemanalyse`));
    const cancelled = invitation(cancel[0]!);
    expect(cancelled.calendar.props.METHOD?.value).toBe('CANCEL');
    expect(cancelled.value('STATUS')).toBe('CANCELLED');
    expect(cancelled.value('UID')).toBe(first.value('UID'));
    expect(cancelled.value('SEQUENCE')).toBe('3');
    const view = await world.show(caseId);
    expect(entries(view, 'calendar-cancelled', 'probleemanalyse')).toHaveLength(1);
    // Each message exactly once.
    const ids = mailsOf(world, caseId).map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of [caseId, enId])
      await recordEvent(world.cases, id, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test' });
  });

  it('cancels the invitations still open when the case closes', async () => {
    const caseId = `mail-close-${Date.now()}`;
    // First sick day Monday 2027-09-13, an ordinary autumn date: reminded on Monday 2027-10-18 and
    // closed that day, before the end of summer time; nothing here depends on the calendar.
    const D = '2027-09-13';
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    const due = addDays(D, 41);
    await world.travelTo(addWorkingDays(due, -5), 10);
    const reminder = mailsOf(world, caseId).find(
      (m) => m.messageId === taskMessageId(caseId, 'reminder', 'probleemanalyse', due),
    );
    expect(invitation(reminder!).calendar.props.METHOD?.value).toBe('REQUEST');

    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test' });
    await world.travelTo(addDays(await world.today(), 1), 12);
    const cancel = mailsOf(world, caseId).filter((m) => m.messageId?.includes('.calendar-cancel.probleemanalyse.'));
    expect(cancel).toHaveLength(1);
    const cancelled = invitation(cancel[0]!);
    expect(cancelled.calendar.props.METHOD?.value).toBe('CANCEL');
    expect(cancelled.value('UID')).toBe(invitation(reminder!).value('UID'));
    expect(cancelled.value('SEQUENCE')).toBe('1');
    const view = await world.show(caseId);
    expect(view.status).toBe('closed');
    expect(entries(view, 'calendar-cancelled', 'probleemanalyse')).toHaveLength(1);
  });
});

describe('the escalation chain', () => {
  let world: CaseWorld;
  beforeAll(async () => {
    world = await startCaseWorld({ activities: { supervisorEmail: 'leiding@arbo.example' } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('escalates to casemanager and employer, then after 10 working days also to the supervisor', async () => {
    const caseId = `mail-chain-${Date.now()}`;
    // First sick day Monday 2028-11-06: the probleemanalyse is due Sunday 2028-12-17 and escalated on
    // Monday 2028-12-18; ten working days later, over both Christmas days and New Year's Day, comes
    // the second escalation, on Thursday 2029-01-04.
    const D = '2028-11-06';
    await world.startAt(D, 9);
    const doneId = `${caseId}-done`;
    await openCase(world.cases, sampleCase(caseId, D, { completed: { ziekmelding: D } }));
    await openCase(world.cases, sampleCase(doneId, D, { completed: { ziekmelding: D } }));
    const due = addDays(D, 41);
    const first = firstWorkingDayAfter(due);
    const second = addWorkingDays(first, 10);
    expect([first, second]).toEqual(['2028-12-18', '2029-01-04']);
    // The other case does the task between the two steps: it is not escalated a second time.
    await world.travelTo(addDays(first, 1), 12);
    await recordEvent(world.cases, doneId, {
      type: 'task-completed',
      actor: 'arts@arbo.example',
      task: 'probleemanalyse',
      date: await world.today(),
    });
    await world.travelTo(addDays(second, 1), 12);

    const mails = mailsOf(world, caseId);
    const escalation = mails.find((m) => m.messageId === taskMessageId(caseId, 'escalation', 'probleemanalyse', due));
    expect(addresses(escalation!, 'to')).toEqual(['anna@arbo.example']);
    expect(addresses(escalation!, 'cc')).toEqual(['hr@korenschoof.example']);
    const again = mails.filter(
      (m) => m.messageId === `<${caseId}.second-escalation.probleemanalyse.${due}@poortwachter>`,
    );
    expect(again).toHaveLength(1);
    expect(again[0]!.subject).toMatch(
      new RegExp(`^\\[${caseId}\\] Probleemanalyse door de bedrijfsarts: NOG STEEDS TE LAAT`),
    );
    expect(addresses(again[0]!, 'cc').sort()).toEqual(['hr@korenschoof.example', 'leiding@arbo.example']);

    const view = await world.show(caseId);
    const [step1] = entries(view, 'escalation', 'probleemanalyse');
    const [step2] = entries(view, 'second-escalation', 'probleemanalyse');
    expect(inAmsterdam(step1!.at)).toEqual({ date: first, time: '08:00' });
    expect(inAmsterdam(step2!.at)).toEqual({ date: second, time: '08:00' });
    expect(step2!.recipients).toContain('leiding@arbo.example');

    const other = await world.show(doneId);
    expect(entries(other, 'escalation', 'probleemanalyse')).toHaveLength(1);
    expect(entries(other, 'second-escalation', 'probleemanalyse')).toHaveLength(0);
    await recordEvent(world.cases, doneId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test' });
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test' });
  });
});
