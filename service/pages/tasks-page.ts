// Mijn taken (`/taken`): the open tasks of every case in the person's scope, one list across all
// cases, from the cases' summaries (one visibility call, never a query per case). Overdue first (the
// most days late on top), then due within 10 working days, then later; each with its case, employee,
// employer, Dutch title, due date, owner and legal basis. A teamleider also sees the counts per
// casemanager. Pure: the route gathers the summaries, this renders them.
import { addWorkingDays, diffDays, getRuleset, type IsoDate } from '../../workflows/calendar/index.js';
import type { CaseSummary } from '../../workflows/case-summary.js';
import { OWNER_NAMES as OWNER } from '../../workflows/calendar/owner-names.js';
import { escapeHtml, formatDate, type Lang } from './html.js';

export interface TaskRow {
  caseId: string;
  employee: string;
  employer: { id: string; name: string };
  casemanager: { name: string; email: string };
  task: string;
  title: string;
  due: IsoDate;
  owner: string;
  legalBasis: string;
  /** Calendar days past the due date; 0 when not late. */
  daysLate: number;
}

export interface TaskFilter {
  employer?: string;
  task?: string;
  lateOnly?: boolean;
  /** Only tasks of these owners (a bedrijfsarts' or werkgever's own); undefined: all. */
  owners?: string[];
}

/** The rows of the summaries' open tasks, filtered, judged on `today`. */
export function taskRows(
  cases: { caseId: string; summary?: CaseSummary }[],
  today: IsoDate,
  filter: TaskFilter,
): TaskRow[] {
  const rows: TaskRow[] = [];
  for (const { caseId, summary } of cases) {
    if (!summary) continue;
    if (filter.employer && summary.employer.id !== filter.employer) continue;
    const rules = getRuleset(summary.ruleset)?.milestones ?? [];
    for (const task of summary.tasks) {
      const rule = rules.find((m) => m.id === task.id);
      const owner = rule?.owner ?? 'none';
      if (filter.task && task.id !== filter.task) continue;
      if (filter.owners && !filter.owners.some((o) => owner.split('+').includes(o))) continue;
      const daysLate = Math.max(0, diffDays(today, task.due));
      if (filter.lateOnly && daysLate === 0) continue;
      rows.push({
        caseId,
        employee: summary.employee,
        employer: summary.employer,
        casemanager: summary.casemanager,
        task: task.id,
        title: rule?.title ?? task.id,
        due: task.due as IsoDate,
        owner,
        legalBasis: rule?.legalBasis ?? '',
        daysLate,
      });
    }
  }
  return rows;
}

/** Overdue (most days late first), within 10 working days, later: each by due date. */
export function groupTasks(rows: TaskRow[], today: IsoDate) {
  const soon = addWorkingDays(today, 10);
  const byDue = (a: TaskRow, b: TaskRow) => a.due.localeCompare(b.due) || a.caseId.localeCompare(b.caseId);
  return {
    late: rows.filter((r) => r.daysLate > 0).sort((a, b) => b.daysLate - a.daysLate || byDue(a, b)),
    soon: rows.filter((r) => r.daysLate === 0 && r.due <= soon).sort(byDue),
    later: rows.filter((r) => r.daysLate === 0 && r.due > soon).sort(byDue),
  };
}

const WORDS = {
  nl: {
    title: 'Mijn taken',
    late: 'Te laat',
    soon: 'Binnen 10 werkdagen',
    later: 'Later',
    none: 'Geen taken.',
    caseCol: 'Zaak',
    employee: 'Werknemer',
    employer: 'Werkgever',
    task: 'Taak',
    due: 'Uiterlijk',
    owner: 'Eigenaar',
    legalBasis: 'Wettelijke basis',
    daysLate: (n: number) => `${n} ${n === 1 ? 'dag' : 'dagen'} te laat`,
    filter: 'Filteren',
    allEmployers: 'alle werkgevers',
    allTasks: 'alle taken',
    lateOnly: 'alleen te laat',
    apply: 'Toepassen',
    perCasemanager: 'Per casemanager',
    casemanager: 'Casemanager',
    record: 'Vastleggen',
    withoutSummary: (n: number) =>
      `${n} ${n === 1 ? 'zaak heeft' : 'zaken hebben'} nog geen takenoverzicht (geopend vóór deze versie; het komt bij de volgende stap van de zaak).`,
  },
  en: {
    title: 'My tasks',
    late: 'Overdue',
    soon: 'Within 10 working days',
    later: 'Later',
    none: 'No tasks.',
    caseCol: 'Case',
    employee: 'Employee',
    employer: 'Employer',
    task: 'Task',
    due: 'Due',
    owner: 'Owner',
    legalBasis: 'Legal basis',
    daysLate: (n: number) => `${n} ${n === 1 ? 'day' : 'days'} late`,
    filter: 'Filter',
    allEmployers: 'all employers',
    allTasks: 'all tasks',
    lateOnly: 'overdue only',
    apply: 'Apply',
    perCasemanager: 'Per case manager',
    casemanager: 'Case manager',
    record: 'Record',
    withoutSummary: (n: number) =>
      `${n} ${n === 1 ? 'case has' : 'cases have'} no task summary yet (opened before this version; it comes with the case's next step).`,
  },
};

function table(rows: TaskRow[], lang: Lang, caption: string, mayRecord: (row: TaskRow) => boolean): string {
  const t = WORDS[lang];
  const id = `taken-${caption.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  if (rows.length === 0) return `<h2 id="${id}">${escapeHtml(caption)} (0)</h2><p class="muted">${t.none}</p>`;
  const body = rows
    .map((r) => {
      const caseLink = `/zaken/${encodeURIComponent(r.caseId)}`;
      const record = mayRecord(r)
        ? `<a href="${caseLink}/vastleggen/task-completed?taak=${encodeURIComponent(r.task)}">${t.record}<span class="skip"> ${escapeHtml(r.title)} ${escapeHtml(r.caseId)}</span></a>`
        : '';
      return `<tr><td><a href="${caseLink}">${escapeHtml(r.caseId)}</a></td><td>${escapeHtml(r.employee)}</td><td>${escapeHtml(r.employer.name)}</td><th scope="row">${escapeHtml(r.title)}</th><td class="date${r.daysLate > 0 ? ' late' : ''}">${escapeHtml(formatDate(r.due, lang))}${r.daysLate > 0 ? `<br>${escapeHtml(t.daysLate(r.daysLate))}` : ''}</td><td>${escapeHtml(OWNER[lang][r.owner] ?? r.owner)}</td><td class="basis">${escapeHtml(r.legalBasis)}</td><td class="no-print">${record}</td></tr>`;
    })
    .join('');
  return `<h2 id="${id}">${escapeHtml(caption)} (${rows.length})</h2>
<table aria-labelledby="${id}"><thead><tr><th scope="col">${t.caseCol}</th><th scope="col">${t.employee}</th><th scope="col">${t.employer}</th><th scope="col">${t.task}</th><th scope="col">${t.due}</th><th scope="col">${t.owner}</th><th scope="col">${t.legalBasis}</th><th scope="col" class="no-print"><span class="skip">${t.record}</span></th></tr></thead><tbody>${body}</tbody></table>`;
}

export interface TasksPageOptions {
  lang: Lang;
  today: IsoDate;
  filter: TaskFilter;
  /** The employers and tasks to choose from in the filters (from every row before filtering). */
  choices: { employers: { id: string; name: string }[]; tasks: { id: string; title: string }[] };
  /** A teamleider sees the counts per casemanager. */
  perCasemanager: boolean;
  /** Cases without a summary yet. */
  withoutSummary: number;
  mayRecord: (row: TaskRow) => boolean;
}

export function renderTasksPage(rows: TaskRow[], options: TasksPageOptions): string {
  const { lang, today, filter, choices } = options;
  const t = WORDS[lang];
  const groups = groupTasks(rows, today);
  const option = (value: string, label: string, selected: boolean) =>
    `<option value="${escapeHtml(value)}"${selected ? ' selected' : ''}>${escapeHtml(label)}</option>`;
  const filters = `<form method="get" action="/taken" class="filters no-print" aria-label="${t.filter}">
<label for="f-werkgever">${t.employer}</label> <select id="f-werkgever" name="werkgever">${option('', t.allEmployers, !filter.employer)}${choices.employers
    .map((e) => option(e.id, e.name, filter.employer === e.id))
    .join('')}</select>
<label for="f-taak">${t.task}</label> <select id="f-taak" name="taak">${option('', t.allTasks, !filter.task)}${choices.tasks
    .map((task) => option(task.id, task.title, filter.task === task.id))
    .join('')}</select>
<label for="f-te-laat"><input type="checkbox" id="f-te-laat" name="te-laat" value="ja"${filter.lateOnly ? ' checked' : ''}> ${t.lateOnly}</label>
<button type="submit">${t.apply}</button></form>`;
  const counts = options.perCasemanager ? perCasemanager(groups, lang) : '';
  const note = options.withoutSummary
    ? `<p class="notice">${escapeHtml(t.withoutSummary(options.withoutSummary))}</p>`
    : '';
  return `<h1>${t.title}</h1>
${filters}
${note}
${counts}
${table(groups.late, lang, t.late, options.mayRecord)}
${filter.lateOnly ? '' : table(groups.soon, lang, t.soon, options.mayRecord)}
${filter.lateOnly ? '' : table(groups.later, lang, t.later, options.mayRecord)}`;
}

/** For someone who sees every case (auditor, beheerder): first an employer, not every task at once. */
export function chooseEmployerPage(lang: Lang): string {
  const nl = lang === 'nl';
  return `<h1>${nl ? 'Mijn taken' : 'My tasks'}</h1>
<p>${nl ? 'U ziet alle zaken van de arbodienst. Kies eerst een werkgever.' : "You see all the arbodienst's cases. Choose an employer first."}</p>
<form method="get" action="/taken" class="record"><label for="f-werkgever">${nl ? 'Werkgever (id)' : 'Employer (id)'}</label>
<input id="f-werkgever" name="werkgever" required> <button type="submit">${nl ? 'Tonen' : 'Show'}</button></form>`;
}

function perCasemanager(groups: ReturnType<typeof groupTasks>, lang: Lang): string {
  const t = WORDS[lang];
  // By address: two colleagues may share a name.
  const all = [...groups.late, ...groups.soon, ...groups.later];
  const people = [...new Map(all.map((r) => [r.casemanager.email.toLowerCase(), r.casemanager])).entries()].sort(
    ([, a], [, b]) => a.name.localeCompare(b.name),
  );
  const count = (rows: TaskRow[], email: string) =>
    rows.filter((r) => r.casemanager.email.toLowerCase() === email).length;
  const rows = people
    .map(
      ([email, person]) =>
        `<tr><th scope="row">${escapeHtml(person.name)} <span class="muted">${escapeHtml(email)}</span></th><td>${count(groups.late, email)}</td><td>${count(groups.soon, email)}</td><td>${count(groups.later, email)}</td></tr>`,
    )
    .join('');
  return `<h2 id="per-casemanager">${t.perCasemanager}</h2>
<table aria-labelledby="per-casemanager"><thead><tr><th scope="col">${t.casemanager}</th><th scope="col">${t.late}</th><th scope="col">${t.soon}</th><th scope="col">${t.later}</th></tr></thead><tbody>${rows}</tbody></table>`;
}
