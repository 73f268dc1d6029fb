// What every page shares: the HTML shell (Dutch by default, `lang` set, a skip link, print CSS), the
// words in both languages, and dates as people read them (dd-mm-jjjj, Amsterdam time). No scripts:
// every page works without JavaScript, with the keyboard alone.
import { escapeHtml, TIMELINE_CSS } from '../../client/audit/timeline-chart.js';
import { amsterdamOffsetHours } from '../../workflows/calendar/amsterdam-time.js';

export { escapeHtml };
export type Lang = 'nl' | 'en';

/** The language of a request: English when the browser puts English first, Dutch otherwise. */
export function languageOf(acceptLanguage: string | undefined): Lang {
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'nl';
}

/**
 * A document reference as a link when it is a web address (http or https), else as text: a recorded
 * URI may have any scheme (`javascript:` too), and a page must never make that clickable.
 */
export function documentLink(uri: string, label: string = uri): string {
  return /^https?:\/\//i.test(uri)
    ? `<a href="${escapeHtml(uri)}">${escapeHtml(label)}</a>`
    : `<span class="uri">${escapeHtml(uri)}</span>`;
}

/** dd-mm-jjjj (nl) or dd/mm/yyyy (en) of an ISO date. */
export function formatDate(iso: string | undefined, lang: Lang): string {
  if (!iso) return '';
  const [y, m, d] = iso.slice(0, 10).split('-');
  return lang === 'nl' ? `${d}-${m}-${y}` : `${d}/${m}/${y}`;
}

/** A moment (ISO UTC) in Amsterdam time: 05-03-2026 09:00 (the tree's one Amsterdam-time rule). */
export function formatMoment(isoUtc: string, lang: Lang): string {
  const ms = Date.parse(isoUtc);
  const local = new Date(ms + amsterdamOffsetHours(ms) * 3_600_000).toISOString();
  return `${formatDate(local, lang)} ${local.slice(11, 16)}`;
}

export interface PageUser {
  name: string;
  roles: string[];
  /** The session's token, sent back by the logout form and every form that changes something. */
  csrf: string;
}

const CSS = `${TIMELINE_CSS}
:root{--fg:#1b1b1b;--muted:#4a4a4a;--line:#c8c8c8;--accent:#0b4f8a;--late:#a4000f;--ok:#1d6b2c}
*{box-sizing:border-box}body{font-family:system-ui,sans-serif;color:var(--fg);margin:0;line-height:1.5}
a{color:var(--accent)}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f2a900;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
header.site{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.6rem 1.5rem;border-bottom:1px solid var(--line)}
header.site .brand{font-weight:700;text-decoration:none;color:var(--fg)}header.site form{display:inline}
main{max-width:72rem;margin:0 auto;padding:1rem 1.5rem 3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f1f1f1}.late{color:var(--late);font-weight:600}.done{color:var(--ok)}.muted{color:var(--muted)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dl.facts dt{font-weight:600}
form.record label{display:block;margin-top:1rem;font-weight:600}form.record .hint{font-weight:400;color:var(--muted)}
input,select,textarea{font:inherit;padding:.35rem;border:1px solid #767676;border-radius:3px;max-width:100%}
input[type=url],input[type=text]{width:40rem}td.date{white-space:nowrap}
textarea{width:100%;min-height:8rem}button{font:inherit;padding:.45rem 1.2rem;border:1px solid var(--accent);background:var(--accent);color:#fff;border-radius:3px;cursor:pointer}
button.link{background:none;color:var(--accent);border:none;padding:0;text-decoration:underline}
.error{color:var(--late);font-weight:600;margin:.2rem 0}.notice{border-left:4px solid var(--accent);padding:.4rem .8rem;background:#eef4fa}
.problem{border-left:4px solid var(--late);padding:.4rem .8rem;background:#fbeeee}
@media print{header.site,.no-print,form{display:none}main{max-width:none;padding:0}a{color:inherit;text-decoration:none}}
`;

/** The whole page: `body` is HTML already escaped by its maker. */
export function page(options: { lang: Lang; title: string; body: string; user?: PageUser }): string {
  const { lang, title, body, user } = options;
  const t = WORDS[lang];
  const account = user
    ? `<span>${escapeHtml(user.name)} <span class="muted">(${escapeHtml(user.roles.join(', ') || t.noRole)})</span></span>
<form method="post" action="/auth/logout"><input type="hidden" name="_csrf" value="${escapeHtml(user.csrf)}"><button class="link" type="submit">${t.logout}</button></form>`
    : '';
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · poortwachter</title><style>${CSS}</style></head>
<body><a class="skip" href="#inhoud">${t.skip}</a>
<header class="site"><a class="brand" href="/taken">poortwachter</a>${
    user ? `<nav aria-label="${t.menu}"><a href="/taken">${t.tasks}</a> · <a href="/zaken">${t.cases}</a></nav>` : ''
  }<div class="account">${account}</div></header>
<main id="inhoud" tabindex="-1">${body}</main></body></html>`;
}

export const WORDS = {
  nl: {
    skip: 'Naar de inhoud',
    menu: 'Menu',
    tasks: 'Mijn taken',
    cases: 'Zaken',
    logout: 'Uitloggen',
    noRole: 'geen rol',
    notFound: 'Niet gevonden',
    notFoundText: (id: string) => `Er is geen zaak ${id}, of u mag deze zaak niet zien.`,
    case: 'Zaak',
    employee: 'Werknemer',
    employer: 'Werkgever',
    casemanager: 'Casemanager',
    bedrijfsarts: 'Bedrijfsarts',
    status: 'Status',
    firstSickDay: 'Eerste ziektedag',
    waitingTimeEnds: 'Einde wachttijd',
    workPercentage: 'Werkt weer',
    standIn: 'Vervanger',
    obligations: 'Verplichtingen',
    course: 'Verloop over de wachttijd',
    task: 'Taak',
    due: 'Uiterlijk',
    owner: 'Eigenaar',
    legalBasis: 'Wettelijke basis',
    doneOn: 'Gedaan op',
    timeline: 'Tijdlijn',
    when: 'Wanneer',
    what: 'Wat',
    who: 'Door',
    details: 'Details',
    record: 'Vastleggen',
    recordTitle: 'Vastleggen in zaak',
    save: 'Opslaan',
    cancel: 'Annuleren',
    confirm: 'Ik weet dat dit niet ongedaan kan worden gemaakt',
    deskundigenoordeel: 'Deskundigenoordeel',
    requestedOn: 'aangevraagd op',
    receivedOn: 'ontvangen op',
    daysLate: (n: number) => `${n} ${n === 1 ? 'dag' : 'dagen'} te laat`,
    postponedFrom: (date: string, reason: string) => `uitgesteld van ${date}: ${reason}`,
    fixErrors: 'Het formulier is niet opgeslagen. Verbeter de velden hieronder.',
    readOnly: 'U kunt deze zaak alleen inzien.',
    downloadBundle: 'Auditbundel downloaden',
    bundleHint: 'de volledige geschiedenis, ondertekend; controleer met poortwachter audit verify',
  },
  en: {
    skip: 'Skip to content',
    menu: 'Menu',
    tasks: 'My tasks',
    cases: 'Cases',
    logout: 'Log out',
    noRole: 'no role',
    notFound: 'Not found',
    notFoundText: (id: string) => `There is no case ${id}, or you may not see it.`,
    case: 'Case',
    employee: 'Employee',
    employer: 'Employer',
    casemanager: 'Case manager',
    bedrijfsarts: 'Company doctor',
    status: 'Status',
    firstSickDay: 'First sick day',
    waitingTimeEnds: 'End of waiting time',
    workPercentage: 'Working again',
    standIn: 'Stand-in',
    obligations: 'Obligations',
    course: 'Over the waiting time',
    task: 'Task',
    due: 'Due',
    owner: 'Owner',
    legalBasis: 'Legal basis',
    doneOn: 'Done on',
    timeline: 'Timeline',
    when: 'When',
    what: 'What',
    who: 'By',
    details: 'Details',
    record: 'Record',
    recordTitle: 'Record in case',
    save: 'Save',
    cancel: 'Cancel',
    confirm: 'I know this cannot be undone',
    deskundigenoordeel: 'Expert opinion (deskundigenoordeel)',
    requestedOn: 'requested on',
    receivedOn: 'received on',
    daysLate: (n: number) => `${n} ${n === 1 ? 'day' : 'days'} late`,
    postponedFrom: (date: string, reason: string) => `postponed from ${date}: ${reason}`,
    fixErrors: 'The form was not saved. Correct the fields below.',
    readOnly: 'You may only view this case.',
    downloadBundle: 'Download the audit bundle',
    bundleHint: 'the full history, signed; check it with poortwachter audit verify',
  },
} satisfies Record<Lang, Record<string, unknown>>;

export type Words = (typeof WORDS)[Lang];
