// The case page (`/zaken/{caseId}`): who and what the case is about, its obligations with their
// status, due date, owner and legal basis, the deskundigenoordeel, and the timeline in Amsterdam time
// with the actor and the full text of notes and reasons. Links to the forms the person may use.
import { periodsFromEvents } from '../../client/audit/history.js';
import { timelineSvg, type TimelineChart } from '../../client/audit/timeline-chart.js';
import type { CaseView } from '../../workflows/case-api.js';
import { OWNER_NAMES as OWNER } from '../../workflows/calendar/owner-names.js';
import type { TimelineEntry } from '../../workflows/case-model.js';
import { FORM_EVENTS, type FormEvent } from './forms.js';
import { documentLink, escapeHtml, formatDate, formatMoment, WORDS, type Lang } from './html.js';
import { renderRivChecklist } from './riv-checklist.js';
import { STATUS_NAMES } from '../../workflows/calendar/owner-names.js';

const STATUS = STATUS_NAMES;
const CASE_STATUS: Record<Lang, Record<string, string>> = {
  nl: { open: 'open', hersteld: 'hersteld', closed: 'gesloten' },
  en: { open: 'open', hersteld: 'recovered', closed: 'closed' },
};
const KIND: Record<Lang, Record<string, string>> = {
  nl: {
    opened: 'Zaak geopend',
    reminder: 'Herinnering verstuurd',
    escalation: 'Escalatie verstuurd',
    overdue: 'Te laat',
    'takeover-summary': 'Overnamebericht verstuurd',
    'deskundigenoordeel-request': 'Deskundigenoordeel aangevraagd',
    'deskundigenoordeel-reminder': 'Herinnering deskundigenoordeel',
    'second-escalation': 'Tweede escalatie verstuurd',
    'calendar-cancelled': 'Agenda-uitnodiging ingetrokken',
    'calendar-updated': 'Agenda-uitnodiging verplaatst',
    'delivery-failed': 'E-mail niet bezorgd',
    closed: 'Zaak gesloten',
  },
  en: {
    opened: 'Case opened',
    reminder: 'Reminder sent',
    escalation: 'Escalation sent',
    overdue: 'Overdue',
    'takeover-summary': 'Take-over summary sent',
    'deskundigenoordeel-request': 'Expert opinion requested',
    'deskundigenoordeel-reminder': 'Expert opinion reminder',
    'second-escalation': 'Second escalation sent',
    'calendar-cancelled': 'Calendar invitation cancelled',
    'calendar-updated': 'Calendar invitation moved',
    'delivery-failed': 'E-mail not delivered',
    closed: 'Case closed',
  },
};

const diffDays = (a: string, b: string) => Math.round((Date.parse(a) - Date.parse(b)) / 86_400_000);

/** What an entry says, in words: the event's kind, its task, and the text that came with it. */
function describe(entry: TimelineEntry, view: CaseView, lang: Lang): { what: string; details: string } {
  const title = (id: string | undefined) => view.calendar.milestones.find((m) => m.id === id)?.title ?? id ?? '';
  if (entry.kind !== 'event' || !entry.event) {
    const what = KIND[lang][entry.kind] ?? entry.kind;
    const parts = [
      entry.task && title(entry.task),
      entry.due && `${WORDS[lang].due.toLowerCase()} ${formatDate(entry.due, lang)}`,
    ];
    if (entry.recipients?.length) parts.push(`→ ${entry.recipients.join(', ')}`);
    if (entry.details) parts.push(entry.details);
    return { what, details: escapeHtml(parts.filter(Boolean).join(' · ')) };
  }
  const e = entry.event as Record<string, unknown> & { type: string };
  const what = (FORM_EVENTS as Record<string, Record<Lang, string>>)[e.type]?.[lang] ?? e.type;
  const parts: string[] = [];
  if (typeof e.task === 'string') parts.push(escapeHtml(title(e.task)));
  if (typeof e.email === 'string')
    parts.push(escapeHtml(typeof e.name === 'string' ? `${e.name} (${e.email})` : e.email));
  for (const key of ['date', 'from', 'newDate', 'until', 'endDate', 'decisionDate'] as const)
    if (typeof e[key] === 'string') parts.push(escapeHtml(formatDate(e[key] as string, lang)));
  if (typeof e.workPercentage === 'number') parts.push(escapeHtml(`${e.workPercentage}%`));
  if (typeof e.weeks === 'number') parts.push(escapeHtml(`${e.weeks} ${lang === 'nl' ? 'weken' : 'weeks'}`));
  for (const key of ['outcome', 'question', 'reason', 'text'] as const)
    if (typeof e[key] === 'string') parts.push(`<span class="text">${escapeHtml(e[key])}</span>`);
  const doc = e.document as { uri: string; sha256: string } | undefined;
  if (doc)
    parts.push(
      `${documentLink(doc.uri, 'document')} <span class="muted">sha256 ${escapeHtml(doc.sha256.slice(0, 12))}…</span>`,
    );
  return { what, details: parts.join(' · ') };
}

/** The 104-week bar's view of the case record: the same chart as the auditor's report. */
export function chartOf(view: CaseView): TimelineChart {
  const events = view.timeline.flatMap((e) => (e.kind === 'event' && e.event ? [{ event: e.event }] : []));
  const sent = (kinds: string[], task: string) =>
    view.timeline.filter((e) => kinds.includes(e.kind) && e.task === task).map((e) => e.at);
  return {
    caseId: view.caseId,
    firstSickDay: view.calendar.firstSickDay,
    waitingTimeEnds: view.calendar.waitingTimeEnds,
    asOf: view.asOf,
    // From the case's facts (all of them), not from the timeline's window of the latest entries.
    periods: view.sickness?.periods ?? periodsFromEvents(undefined, view.calendar.firstSickDay, events),
    extensions: view.sickness
      ? [
          ...(view.sickness.loonsanctieWeeks
            ? [{ kind: 'loonsanctie' as const, weeks: view.sickness.loonsanctieWeeks }]
            : []),
          ...(view.sickness.vrijwilligeVerlengingWeeks
            ? [{ kind: 'vrijwillige-verlenging' as const, weeks: view.sickness.vrijwilligeVerlengingWeeks }]
            : []),
        ]
      : events.flatMap(({ event }) =>
          event.type === 'loonsanctie' || event.type === 'vrijwillige-verlenging'
            ? [{ kind: event.type, weeks: event.weeks }]
            : [],
        ),
    obligations: view.calendar.milestones
      .filter((m) => m.isTask)
      .map((m) => ({
        title: m.title,
        due: m.due,
        status: m.status,
        ...(m.doneOn && { doneOn: m.doneOn }),
        daysLate: lateBy(m, view.asOf),
        ...(m.postponement && { postponement: m.postponement }),
        reminders: sent(['reminder'], m.id),
        escalations: sent(['escalation', 'second-escalation', 'takeover-summary'], m.id),
      })),
  };
}

/** Days a task was done late, or (still open) has been overdue; 0 on time. */
function lateBy(m: { status: string; due: string; doneOn?: string }, asOf: string): number {
  if (m.status === 'overdue') return diffDays(asOf, m.due);
  return m.doneOn && m.doneOn > m.due ? diffDays(m.doneOn, m.due) : 0;
}

export interface CasePageOptions {
  lang: Lang;
  /** The forms this person may use on this case (empty: read only). */
  forms: FormEvent[];
  /** The tasks they may record as done (a link on the task's row). */
  doableTasks: string[];
  /** For an auditor or beheerder: the session's token for the bundle download form. */
  bundleCsrf?: string;
}

export function renderCasePage(view: CaseView, options: CasePageOptions): string {
  const { lang, forms, doableTasks } = options;
  const t = WORDS[lang];
  const base = `/zaken/${encodeURIComponent(view.caseId)}`;
  const facts = [
    [t.employee, view.employee.displayName],
    [t.employer, `${view.employer.name} (${view.employer.id})`],
    [t.casemanager, `${view.casemanager.name}${view.casemanager.team ? ` · ${view.casemanager.team}` : ''}`],
    [t.bedrijfsarts, view.bedrijfsarts.name],
    [t.status, CASE_STATUS[lang][view.status] ?? view.status],
    [t.firstSickDay, formatDate(view.calendar.firstSickDay, lang)],
    [t.waitingTimeEnds, formatDate(view.calendar.waitingTimeEnds, lang)],
    ...(view.workPercentage
      ? [[t.workPercentage, `${view.workPercentage.percentage}% (${formatDate(view.workPercentage.since, lang)})`]]
      : []),
    ...(view.standIns ?? [])
      .filter((s) => s.until >= view.asOf)
      .map((s) => [t.standIn, `${s.name} (${formatDate(s.from, lang)} – ${formatDate(s.until, lang)})`]),
  ]
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('');

  const rows = view.calendar.milestones
    .filter((m) => m.isTask)
    .map((m) => {
      const late = lateBy(m, view.asOf);
      const status = `${STATUS[lang][m.status] ?? m.status}${late > 0 ? ` · ${t.daysLate(late)}` : ''}${
        m.postponement
          ? ` · ${t.postponedFrom(formatDate(m.postponement.originalDue, lang), m.postponement.reason)}`
          : ''
      }`;
      const cls = m.status === 'overdue' || late > 0 ? 'late' : m.status === 'done' ? 'done' : '';
      const action = doableTasks.includes(m.id)
        ? `<a href="${base}/vastleggen/task-completed?taak=${encodeURIComponent(m.id)}">${t.record}<span class="skip"> ${escapeHtml(m.title)}</span></a>`
        : '';
      return `<tr><th scope="row">${escapeHtml(m.title)}</th><td class="date">${escapeHtml(formatDate(m.due, lang))}</td><td class="${cls}">${escapeHtml(status)}</td><td class="date">${escapeHtml(formatDate(m.doneOn, lang))}</td><td>${escapeHtml(OWNER[lang][m.owner] ?? m.owner)}</td><td>${escapeHtml(m.legalBasis)}</td><td class="no-print">${action}</td></tr>`;
    })
    .join('');

  const timeline = [...view.timeline]
    .reverse()
    .map((entry) => {
      const { what, details } = describe(entry, view, lang);
      return `<tr><td class="date">${escapeHtml(formatMoment(entry.at, lang))}</td><td>${escapeHtml(what)}</td><td>${escapeHtml(entry.actor)}</td><td>${details}</td></tr>`;
    })
    .join('');

  const d = view.deskundigenoordeel;
  const deskundigenoordeel = d
    ? `<h2>${t.deskundigenoordeel}</h2><p>${t.requestedOn} ${escapeHtml(formatDate(d.requestedOn, lang))}${
        d.receivedOn ? `, ${t.receivedOn} ${escapeHtml(formatDate(d.receivedOn, lang))}` : ''
      } <span class="muted">(${escapeHtml(d.because)})</span></p>`
    : '';

  const download = options.bundleCsrf
    ? `<form method="post" action="${base}/auditbundel" class="no-print"><input type="hidden" name="_csrf" value="${escapeHtml(options.bundleCsrf)}"><button type="submit">${t.downloadBundle}</button> <span class="muted">${t.bundleHint}</span></form>`
    : '';
  const actions = forms.length
    ? `<nav class="no-print" aria-label="${t.record}"><h2>${t.record}</h2><ul>${forms
        .map((f) => `<li><a href="${base}/vastleggen/${f}">${escapeHtml(FORM_EVENTS[f][lang])}</a></li>`)
        .join('')}</ul></nav>`
    : `<p class="notice">${t.readOnly}</p>`;

  return `<h1>${t.case} ${escapeHtml(view.caseId)}</h1>
<dl class="facts">${facts}</dl>
${actions}
${download}
<h2 id="verloop">${t.course}</h2>
${timelineSvg(chartOf(view))}
<h2 id="verplichtingen">${t.obligations}</h2>
<table aria-labelledby="verplichtingen"><thead><tr><th scope="col">${t.task}</th><th scope="col">${t.due}</th><th scope="col">${t.status}</th><th scope="col">${t.doneOn}</th><th scope="col">${t.owner}</th><th scope="col">${t.legalBasis}</th><th scope="col" class="no-print"><span class="skip">${t.record}</span></th></tr></thead>
<tbody>${rows}</tbody></table>
${deskundigenoordeel}
${renderRivChecklist(view, lang)}
<h2 id="tijdlijn">${t.timeline}</h2>
<table aria-labelledby="tijdlijn"><thead><tr><th scope="col">${t.when}</th><th scope="col">${t.what}</th><th scope="col">${t.who}</th><th scope="col">${t.details}</th></tr></thead>
<tbody>${timeline}</tbody></table>
${view.timelineOmitted ? `<p>${escapeHtml(lang === 'en' ? `${view.timelineOmitted} earlier entries are in the case's history (an auditor or beheerder downloads it as the audit bundle).` : `${view.timelineOmitted} eerdere regels staan in de geschiedenis van de zaak (een auditor of beheerder downloadt die als auditbestand).`)}</p>` : ''}`;
}
