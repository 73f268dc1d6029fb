// The calendar invitation for a task deadline (RFC 5545, iTIP RFC 5546): an all-day event on the due
// date with a stable UID per case and task. A later invitation with the same UID and a higher
// SEQUENCE moves the entry (a postponed deadline); METHOD:CANCEL with STATUS:CANCELLED removes it.
import { addDays } from '../workflows/calendar/index.js';

export interface DeadlineEvent {
  uid: string;
  sequence: number;
  method: 'REQUEST' | 'CANCEL';
  /** The due date, YYYY-MM-DD: an all-day event. */
  due: string;
  summary: string;
  description: string;
  organizer: string;
  attendees: string[];
  /** DTSTAMP: when this version was made. */
  stamp: Date;
  /** The task's page (URL property): one click from the calendar entry to recording it. */
  url?: string;
}

/** TEXT value escaping (RFC 5545 3.3.11). */
function text(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Folds a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence. */
function fold(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let size = 0;
  let limit = 75;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (size + n > limit) {
      parts.push(current);
      current = '';
      size = 0;
      limit = 74; // continuation lines start with a space
    }
    current += ch;
    size += n;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

const basic = (iso: string) => iso.replace(/-/g, '');

function stampOf(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** The address part of "Name <addr>" or a bare address. */
function address(value: string): string {
  return /<([^>]+)>/.exec(value)?.[1] ?? value;
}

export function deadlineCalendar(e: DeadlineEvent): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//poortwachter//task deadlines//NL',
    'CALSCALE:GREGORIAN',
    `METHOD:${e.method}`,
    'BEGIN:VEVENT',
    `UID:${e.uid}`,
    `SEQUENCE:${e.sequence}`,
    `DTSTAMP:${stampOf(e.stamp)}`,
    `DTSTART;VALUE=DATE:${basic(e.due)}`,
    `DTEND;VALUE=DATE:${basic(addDays(e.due, 1))}`,
    `SUMMARY:${text(e.summary)}`,
    `DESCRIPTION:${text(e.description)}`,
    ...(e.url ? [`URL:${e.url}`] : []),
    `ORGANIZER:mailto:${address(e.organizer)}`,
    ...e.attendees.map((a) => `ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:${address(a)}`),
    `STATUS:${e.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'TRANSP:TRANSPARENT',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n') + '\r\n';
}
