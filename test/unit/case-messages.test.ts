// What a case's messages say and to whom, and its calendar invitations, without a server. First sick
// day Monday 2026-01-05: probleemanalyse due Sunday 2026-02-15, plan van aanpak Sunday 2026-03-01.
import { describe, expect, it } from 'vitest';
import { computeCalendar } from '../../workflows/calendar/index.js';
import {
  deliveryFailureReport,
  finishedInvitations,
  hasFinishedInvitations,
  invitation,
  messageIdOf,
  reminder,
} from '../../workflows/case-messages.js';
import type { CaseState } from '../../workflows/case-model.js';
import { caseState as fixture } from './fixtures.js';

/** The case with its ziekmelding done, and what else is `completed`. */
const caseState = (completed: Record<string, unknown> = {}) =>
  fixture('2026-01-05', { completed: { ziekmelding: '2026-01-06', ...completed } });

const task = (state: CaseState, id: string, asOf = '2026-02-09') =>
  computeCalendar(state.facts, { asOf }).milestones.find((m) => m.id === id)!;

describe('messages', () => {
  it('gives every message a Message-ID from its case and key, with only letters, digits, dots and dashes', () => {
    expect(messageIdOf('K-1', 'reminder/probleemanalyse/2026-02-15')).toBe(
      '<K-1.reminder.probleemanalyse.2026-02-15@poortwachter>',
    );
    expect(messageIdOf('K_2', 'takeover/2026-02-25')).toBe('<K_2.takeover.2026-02-25@poortwachter>');
  });

  it('names the employee only by the display name the case holds', () => {
    const state = caseState();
    const n = reminder(state.open, 'reminder/probleemanalyse/2026-02-15', task(state, 'probleemanalyse')).notification;
    expect(n).toMatchObject({ caseId: 'K-1', employeeName: 'J. de Vries', employerName: 'Bakkerij De Korenschoof' });
    expect(JSON.stringify(n)).not.toContain('wn-1');
  });

  it('reports a refused message to operations (address filled in by the activity) with what was refused', () => {
    const state = caseState();
    const failed = reminder(state.open, 'reminder/probleemanalyse/2026-02-15', task(state, 'probleemanalyse'));
    const report = deliveryFailureReport(state.open, failed, ['anna@arbo.example'], '550 mailbox unavailable');
    expect(report).toMatchObject({
      kind: 'delivery-failed',
      to: [],
      messageId: '<K-1.delivery-failed.reminder.probleemanalyse.2026-02-15@poortwachter>',
      tasks: [{ id: 'probleemanalyse' }],
      failure: {
        messageId: failed.notification.messageId,
        kind: 'reminder',
        recipients: ['anna@arbo.example'],
        reason: '550 mailbox unavailable',
      },
    });
  });
});

describe('calendar invitations', () => {
  it('keeps one UID per task, one higher SEQUENCE per new due date, and one UID per evaluation round', () => {
    const state = caseState();
    const pa = task(state, 'probleemanalyse');
    const first = invitation(state, pa, ['anna@arbo.example', 'arts@arbo.example']);
    expect(first.calendar).toEqual({ uid: 'K-1.probleemanalyse@poortwachter', sequence: 0, method: 'REQUEST' });
    state.invites = { [first.record[0]]: first.record[1] };
    expect(invitation(state, { ...pa, due: '2026-02-20' }, []).calendar.sequence).toBe(1);

    const later = caseState({
      probleemanalyse: '2026-02-10',
      'plan-van-aanpak': '2026-02-20',
      evaluatie: ['2026-04-01'],
    });
    expect(invitation(later, task(later, 'evaluatie', '2026-04-02'), []).calendar.uid).toBe(
      'K-1.evaluatie-2@poortwachter',
    );
  });

  it('cancels the invitation of a task that is done, with the next SEQUENCE, and keeps the open ones', () => {
    const state = caseState();
    const pa = invitation(state, task(state, 'probleemanalyse'), ['anna@arbo.example', 'arts@arbo.example']);
    const pva = invitation(state, task(state, 'plan-van-aanpak'), ['anna@arbo.example']);
    state.invites = Object.fromEntries([pa.record, pva.record]);
    state.facts.completed = { ...state.facts.completed, probleemanalyse: '2026-02-12' };
    const calendar = computeCalendar(state.facts, { asOf: '2026-02-12' });
    expect(hasFinishedInvitations(state, calendar)).toBe(true);
    const finished = finishedInvitations(state, calendar, calendar);
    expect(finished).toHaveLength(1);
    expect(finished[0]!.cancelled).toMatchObject({ task: 'probleemanalyse', sequence: 1, cancelled: true });
    expect(finished[0]!.send!.notification).toMatchObject({
      kind: 'calendar-cancel',
      to: ['anna@arbo.example', 'arts@arbo.example'],
      calendar: { uid: 'K-1.probleemanalyse@poortwachter', sequence: 1, method: 'CANCEL' },
      tasks: [{ id: 'probleemanalyse', due: '2026-02-15' }],
    });
  });

  it('on closing cancels all of them, by e-mail only when the tasks can be named', () => {
    const state = caseState();
    const pa = invitation(state, task(state, 'probleemanalyse'), ['anna@arbo.example']);
    state.invites = Object.fromEntries([pa.record]);
    const names = computeCalendar(state.facts, { asOf: '2026-02-12' });
    expect(finishedInvitations(state, undefined, names)[0]!.send?.key).toBe(
      'calendar-cancel/probleemanalyse/2026-02-15',
    );
    // Cases closed before the patch task-email-cancel-invites-on-close only marked them cancelled.
    expect(finishedInvitations(state, undefined, undefined)).toEqual([
      { uid: 'K-1.probleemanalyse@poortwachter', cancelled: { ...pa.record[1], sequence: 1, cancelled: true } },
    ]);
  });
});
