// The re-integratieverslag checklist: the parts UWV expects in the file when the employee applies for
// WIA (week 93), each recorded (when, with which document) or still missing (due when), visible from
// the first day so that nothing is found missing in week 91. Every evaluatie recorded is a part of its
// own; the next one due is listed as missing until it is recorded. Pure: from the case view.
import type { CaseView } from '../../workflows/case-api.js';
import { completionsIn } from '../../workflows/case-model.js';
import { documentLink, escapeHtml, formatDate, type Lang } from './html.js';

/** The tasks whose records make up the re-integratieverslag, in the order of the file. */
export const RIV_PARTS = [
  'probleemanalyse',
  'plan-van-aanpak',
  'evaluatie',
  'eerstejaarsevaluatie',
  'actueel-oordeel',
  'eindevaluatie',
] as const;

export interface ChecklistItem {
  task: string;
  title: string;
  /** Recorded: when, and the document reference when one was given. */
  recorded?: { on: string; document?: { uri: string; sha256: string } };
  /** Not recorded: the due date, and whether it has passed. */
  due?: string;
  overdue?: boolean;
}

export function rivChecklist(view: CaseView): ChecklistItem[] {
  const items: ChecklistItem[] = [];
  for (const task of RIV_PARTS) {
    const milestone = view.calendar.milestones.find((m) => m.id === task);
    const title = milestone?.title ?? task;
    // Every completion the case keeps (not only those in the timeline's window).
    const records = (view.completions ?? completionsIn(view.timeline)).filter((c) => c.task === task);
    for (const r of records)
      items.push({ task, title, recorded: { on: r.date, ...(r.document && { document: r.document }) } });
    // A part not (yet) recorded; for the evaluatie, the next round that is still open.
    const open = milestone && ['open', 'overdue', 'postponed'].includes(milestone.status);
    if (records.length === 0 || (task === 'evaluatie' && open)) {
      if (milestone?.status === 'not-applicable' && records.length === 0) continue;
      items.push({
        task,
        title,
        ...(milestone && { due: milestone.due, overdue: milestone.status === 'overdue' }),
      });
    }
  }
  return items;
}

const WORDS = {
  nl: {
    title: 'Re-integratieverslag',
    intro: 'Wat UWV bij de WIA-aanvraag in het dossier verwacht, en wat er nog ontbreekt.',
    part: 'Onderdeel',
    state: 'Stand',
    document: 'Document',
    recorded: (date: string) => `vastgelegd op ${date}`,
    missing: (date: string) => `ontbreekt (uiterlijk ${date})`,
    missingLate: (date: string) => `ontbreekt, te laat (uiterlijk ${date})`,
    noDocument: 'geen document vastgelegd',
    count: (missing: number) =>
      missing === 0
        ? 'Alles is vastgelegd.'
        : missing === 1
          ? '1 onderdeel ontbreekt nog.'
          : `${missing} onderdelen ontbreken nog.`,
  },
  en: {
    title: 'Re-integration report',
    intro: 'What UWV expects in the file at the WIA application, and what is still missing.',
    part: 'Part',
    state: 'State',
    document: 'Document',
    recorded: (date: string) => `recorded on ${date}`,
    missing: (date: string) => `missing (due ${date})`,
    missingLate: (date: string) => `missing, overdue (due ${date})`,
    noDocument: 'no document recorded',
    count: (missing: number) =>
      missing === 0 ? 'Everything is recorded.' : `${missing} ${missing === 1 ? 'part' : 'parts'} still missing.`,
  },
};

export function renderRivChecklist(view: CaseView, lang: Lang): string {
  const t = WORDS[lang];
  const items = rivChecklist(view);
  const rows = items
    .map((item) => {
      const state = item.recorded
        ? t.recorded(formatDate(item.recorded.on, lang))
        : item.overdue
          ? t.missingLate(formatDate(item.due, lang))
          : t.missing(formatDate(item.due, lang));
      const document = item.recorded?.document
        ? documentLink(item.recorded.document.uri)
        : item.recorded
          ? `<span class="muted">${t.noDocument}</span>`
          : '';
      const cls = item.recorded ? 'done' : item.overdue ? 'late' : '';
      return `<tr><th scope="row">${escapeHtml(item.title)}</th><td class="${cls}">${escapeHtml(state)}</td><td>${document}</td></tr>`;
    })
    .join('');
  const missing = items.filter((i) => !i.recorded).length;
  return `<h2 id="re-integratieverslag">${t.title}</h2><p>${t.intro} <strong>${escapeHtml(t.count(missing))}</strong></p>
<table aria-labelledby="re-integratieverslag"><thead><tr><th scope="col">${t.part}</th><th scope="col">${t.state}</th><th scope="col">${t.document}</th></tr></thead><tbody>${rows}</tbody></table>`;
}
