// Helpers for telling a case's story in tests: what a clock on the wall in Amsterdam shows at an
// instant (by Intl, independent of the workflow's own summer-time rule), the e-mails of one case in
// the SMTP sink, and the timeline entries of one kind.
import type { ParsedMail } from 'mailparser';
import type { CaseView } from '../../workflows/case-api.js';
import type { TimelineEntry, TimelineKind } from '../../workflows/case-model.js';
import type { IsoDate } from '../../workflows/calendar/index.js';
import type { CaseWorld } from './case-world.js';
import type { SunkMail } from '../../tools/smtp-sink.js';

const wallClock = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Amsterdam',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** The Amsterdam date and HH:mm at an instant, as the time-zone database has it. */
export function inAmsterdam(at: string | number): { date: IsoDate; time: string } {
  const parts = Object.fromEntries(wallClock.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** The Message-ID the workflow gives a message about a task: `<caseId.kind.task.due@poortwachter>`. */
export function taskMessageId(caseId: string, kind: 'reminder' | 'escalation', task: string, due: IsoDate): string {
  return `<${caseId}.${kind}.${task}.${due}@poortwachter>`;
}

/** The e-mails of one case that reached the SMTP sink, in the order they arrived. */
export function mailsOf(world: CaseWorld, caseId: string): SunkMail[] {
  return world.sink.messages.filter((m) => m.messageId?.startsWith(`<${caseId}.`));
}

/** The addresses an e-mail went to (`to` or `cc`). */
export function addresses(mail: ParsedMail, field: 'to' | 'cc'): string[] {
  const value = mail[field];
  if (!value) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((a) => a.value.map((v) => v.address ?? ''));
}

export function entries(view: CaseView, kind: TimelineKind, task?: string): TimelineEntry[] {
  return view.timeline.filter((e) => e.kind === kind && (task === undefined || e.task === task));
}

export function dueOf(view: CaseView, id: string): IsoDate {
  const milestone = view.calendar.milestones.find((m) => m.id === id);
  if (!milestone) throw new Error(`no milestone ${id}`);
  return milestone.due;
}

/** The last Sunday of a month (`monthIndex` 0 is January) of `year`. */
export function lastSunday(year: number, monthIndex: number): IsoDate {
  const last = new Date(Date.UTC(year, monthIndex + 1, 0));
  last.setUTCDate(last.getUTCDate() - last.getUTCDay());
  return last.toISOString().slice(0, 10);
}
