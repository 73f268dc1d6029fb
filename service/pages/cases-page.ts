// Zaken (`/zaken`): find a case by its id, or list the cases in the person's scope by employer,
// casemanager, status and "alleen te laat", by next deadline, a page at a time. Pure: the route
// gathers the cases, this renders them.
import type { CaseListEntry } from '../../client/cases.js';
import { escapeHtml, formatDate, type Lang } from './html.js';

export interface CasesQuery {
  employer?: string;
  casemanager?: string;
  status?: 'open' | 'hersteld' | 'closed';
  lateOnly?: boolean;
  page: number;
}

export const PAGE_SIZE = 25;

const WORDS = {
  nl: {
    title: 'Zaken',
    find: 'Zaak openen',
    caseId: 'Zaaknummer',
    open: 'Openen',
    filter: 'Zaken zoeken',
    employer: 'Werkgever (id)',
    casemanager: 'Casemanager (e-mailadres)',
    status: 'Status',
    any: 'alle',
    statuses: { open: 'open', hersteld: 'hersteld', closed: 'gesloten' } as Record<string, string>,
    lateOnly: 'alleen met een taak te laat',
    search: 'Zoeken',
    next: 'Volgende pagina',
    previous: 'Vorige pagina',
    deadline: 'Eerstvolgende termijn',
    late: 'Taken te laat',
    none: 'Geen zaken gevonden.',
    pastEnd: (n: number, first: string) =>
      `Deze pagina bestaat niet: er zijn ${n} zaken. <a href="${escapeHtml(first)}">Naar de eerste pagina</a>.`,
    found: (from: number, to: number, total: number) => `Zaken ${from} tot en met ${to} van ${total}`,
  },
  en: {
    title: 'Cases',
    find: 'Open a case',
    caseId: 'Case id',
    open: 'Open',
    filter: 'Find cases',
    employer: 'Employer (id)',
    casemanager: 'Case manager (e-mail address)',
    status: 'Status',
    any: 'any',
    statuses: { open: 'open', hersteld: 'recovered', closed: 'closed' } as Record<string, string>,
    lateOnly: 'only with an overdue task',
    search: 'Search',
    next: 'Next page',
    previous: 'Previous page',
    deadline: 'Next deadline',
    late: 'Overdue tasks',
    none: 'No cases found.',
    pastEnd: (n: number, first: string) =>
      `There is no such page: there are ${n} cases. <a href="${escapeHtml(first)}">To the first page</a>.`,
    found: (from: number, to: number, total: number) => `Cases ${from} to ${to} of ${total}`,
  },
};

/** The query string of a page of this search. */
export function casesHref(q: CasesQuery, page: number): string {
  const params = new URLSearchParams();
  if (q.employer) params.set('werkgever', q.employer);
  if (q.casemanager) params.set('casemanager', q.casemanager);
  if (q.status) params.set('status', q.status);
  if (q.lateOnly) params.set('te-laat', 'ja');
  if (page > 1) params.set('pagina', String(page));
  const query = params.toString();
  return `/zaken${query ? `?${query}` : ''}`;
}

/** `asked`: whether any filter was given (without, only the search forms are shown). */
export function renderCasesPage(all: CaseListEntry[], q: CasesQuery, lang: Lang, asked = true): string {
  const t = WORDS[lang];
  const from = (q.page - 1) * PAGE_SIZE;
  const shown = all.slice(from, from + PAGE_SIZE);
  const rows = shown
    .map(
      (c) =>
        `<tr><th scope="row"><a href="/zaken/${encodeURIComponent(c.caseId)}">${escapeHtml(c.caseId)}</a></th><td>${escapeHtml(t.statuses[c.status] ?? c.status)}</td><td>${escapeHtml(c.employerId ?? '')}</td><td class="date">${escapeHtml(formatDate(c.nextDeadline, lang))}</td><td class="${c.overdueTasks > 0 ? 'late' : ''}">${c.overdueTasks}</td></tr>`,
    )
    .join('');
  const option = (value: string, label: string) =>
    `<option value="${value}"${(q.status ?? '') === value ? ' selected' : ''}>${escapeHtml(label)}</option>`;
  const pager = [
    q.page > 1 ? `<a href="${escapeHtml(casesHref(q, q.page - 1))}" rel="prev">${t.previous}</a>` : '',
    from + PAGE_SIZE < all.length ? `<a href="${escapeHtml(casesHref(q, q.page + 1))}" rel="next">${t.next}</a>` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const results = !asked
    ? ''
    : shown.length === 0
      ? `<p>${all.length > 0 ? t.pastEnd(all.length, casesHref(q, 1)) : t.none}</p>`
      : `<p>${t.found(from + 1, from + shown.length, all.length)}</p>
<table aria-label="${t.title}"><thead><tr><th scope="col">${t.caseId}</th><th scope="col">${t.status}</th><th scope="col">${t.employer}</th><th scope="col">${t.deadline}</th><th scope="col">${t.late}</th></tr></thead><tbody>${rows}</tbody></table>
${pager ? `<nav aria-label="${t.title}">${pager}</nav>` : ''}`;
  return `<h1>${t.title}</h1>
<form method="get" action="/zaken" class="record" aria-label="${t.find}"><label for="zaak-id">${t.caseId}</label>
<input id="zaak-id" name="id" autocomplete="off"> <button type="submit">${t.open}</button></form>
<h2>${t.filter}</h2>
<form method="get" action="/zaken" class="record" aria-label="${t.filter}">
<label for="z-werkgever">${t.employer}</label><input id="z-werkgever" name="werkgever" value="${escapeHtml(q.employer ?? '')}">
<label for="z-casemanager">${t.casemanager}</label><input id="z-casemanager" name="casemanager" type="email" value="${escapeHtml(q.casemanager ?? '')}">
<label for="z-status">${t.status}</label><select id="z-status" name="status">${option('', t.any)}${[
    'open',
    'hersteld',
    'closed',
  ]
    .map((s) => option(s, t.statuses[s]!))
    .join('')}</select>
<label for="z-te-laat"><input type="checkbox" id="z-te-laat" name="te-laat" value="ja"${q.lateOnly ? ' checked' : ''}> ${t.lateOnly}</label>
<p><button type="submit">${t.search}</button></p></form>
${results}`;
}
