// The audit report: one self-contained HTML file (inline CSS and SVG, no scripts, fonts or network)
// with, per case, an SVG timeline over the weeks of the waiting time, a table of the obligations,
// the events with their actor, and the on-time figures of the SIVI verzuim reports. Prints to PDF.
import type { DerivedCase } from './history.js';
import { onTime } from './history.js';
import { STATUS_NAMES } from '../../workflows/calendar/owner-names.js';
import { escapeHtml, TIMELINE_CSS, timelineSvg } from './timeline-chart.js';
import type { VerifyReport } from './verify.js';

/** The statuses and reasons in Dutch: the report is read by Dutch auditors. */
const STATUS_NL = STATUS_NAMES.nl;
const NOT_APPLICABLE_NL: Record<string, string> = {
  hersteld: 'hersteld',
  'uit-dienst': 'uit dienst',
  'na-einde-wachttijd': 'na het einde van de wachttijd',
};

/** An event's field as a reader sees it: a document as its address and the start of its digest. */
function fieldText(value: unknown): string {
  const doc = value as { uri?: unknown; sha256?: unknown } | null;
  if (doc && typeof doc === 'object' && typeof doc.uri === 'string' && typeof doc.sha256 === 'string') {
    return `${doc.uri} (sha256 ${doc.sha256.slice(0, 12)}…)`;
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function obligationsTable(c: DerivedCase): string {
  const rows = c.obligations.map(
    (o) =>
      `<tr class="${o.daysLate > 0 ? 'late' : ''}"><td>${escapeHtml(o.title)}${o.round ? ` ${o.round}` : ''}<br><small>${escapeHtml(o.id)}</small></td><td>${escapeHtml(o.due)}${o.postponement ? `<br><small>uitgesteld van ${escapeHtml(o.postponement.originalDue)}: ${escapeHtml(o.postponement.reason)}</small>` : ''}</td><td>${escapeHtml(o.doneOn ?? '')}</td><td class="num">${o.daysLate || ''}</td><td>${escapeHtml(o.notApplicableBecause ? `n.v.t. (${NOT_APPLICABLE_NL[o.notApplicableBecause] ?? o.notApplicableBecause})` : (STATUS_NL[o.status] ?? o.status))}</td><td>${o.reminders.map(escapeHtml).join('<br>')}</td><td>${o.escalations.map(escapeHtml).join('<br>')}</td></tr>`,
  );
  return `<table><thead><tr><th>Verplichting</th><th>Uiterlijk</th><th>Gedaan</th><th>Dagen te laat</th><th>Status</th><th>Herinneringen</th><th>Escalaties</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function eventsTable(c: DerivedCase): string {
  const rows = c.events.map((e) => {
    const { type, actor, ...fields } = e.event as unknown as Record<string, unknown>;
    void type;
    void actor;
    return `<tr><td>${escapeHtml(e.at)}</td><td>${escapeHtml(e.type)}</td><td>${escapeHtml(e.actor)}</td><td>${escapeHtml(
      Object.entries(fields)
        .map(([k, v]) => `${k}: ${fieldText(v)}`)
        .join('; '),
    )}</td></tr>`;
  });
  return `<table><thead><tr><th>Tijd (UTC)</th><th>Gebeurtenis</th><th>Door</th><th>Gegevens</th></tr></thead><tbody>${rows.join('') || '<tr><td colspan="4">geen</td></tr>'}</tbody></table>`;
}

function siviTable(cases: DerivedCase[]): string {
  // One column per figure any case has (cases hold different numbers of evaluatie rounds).
  const figures = cases.map((c) => new Map(onTime(c).map((s) => [s.id, s])));
  const columns = new Map<string, string>();
  for (const c of cases) for (const s of onTime(c)) if (!columns.has(s.id)) columns.set(s.id, s.label);
  const order = [...columns.keys()].sort((a, b) => rank(a) - rank(b));
  const header = order.map((id) => `<th>${escapeHtml(columns.get(id)!)}</th>`);
  const rows = cases.map(
    (c, i) =>
      `<tr><td>${escapeHtml(c.caseId)}</td>${order
        .map((id) => {
          const s = figures[i]!.get(id);
          return s ? `<td class="ot ${s.value.replace(/[^a-z]/g, '')}">${escapeHtml(s.value)}</td>` : '<td></td>';
        })
        .join('')}</tr>`,
  );
  return `<table class="sivi"><thead><tr><th>Casus</th>${header.join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The law's order: probleemanalyse, plan van aanpak, the evaluaties by round, then the rest. */
function rank(id: string): number {
  const round = /^evaluatie-(\d+)$/.exec(id);
  if (round) return 2 + Number(round[1]) / 1000;
  const at = ['probleemanalyse', 'plan-van-aanpak'].indexOf(id);
  return at >= 0 ? at : 3 + ['uwv-42-weken-melding', 'eerstejaarsevaluatie', 'wia-aanvraag'].indexOf(id);
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#111;margin:24px;font-size:13px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 6px}h3{font-size:14px;margin:14px 0 4px}
.meta{color:#444}.meta code{font-size:11px}
.ok{color:#15803d;font-weight:600}.bad{color:#b91c1c;font-weight:600}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right}tr.late td{background:#fdecec}small{color:#555}
td.ot.optijd{color:#15803d}td.ot.telaat,td.ot.nietgedaan{color:#b91c1c;font-weight:600}
${TIMELINE_CSS}
section.case{page-break-before:always;break-before:page}section.case:first-of-type{page-break-before:auto;break-before:auto}
@media print{body{margin:0;font-size:10px}@page{size:A4 landscape;margin:12mm}
tr,svg{page-break-inside:avoid;break-inside:avoid}thead{display:table-header-group}th{background:#eee!important;-webkit-print-color-adjust:exact;print-color-adjust:exact}
svg *{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;

/** The HTML report of a verified bundle. */
export function renderReport(report: VerifyReport, generatedAt: Date = new Date()): string {
  const derived = report.cases.flatMap((c) => (c.derived ? [c.derived] : []));
  const sig =
    report.signature.state === 'valid'
      ? `ondertekend, sleutel ${report.signature.fingerprint.slice(0, 16)}… ${report.signature.trusted ? '(vertrouwde sleutel)' : '(sleutel uit de bundel zelf, niet vastgepind)'}`
      : report.signature.state === 'unsigned'
        ? 'niet ondertekend'
        : `handtekening ongeldig: ${report.signature.reason}`;
  const read = report.content.state === 'read';
  const content =
    report.content.state === 'read'
      ? report.content.sealedFor
        ? ` · verzegeld voor auditorsleutel ${report.content.sealedFor.slice(0, 16)}…, daarmee geopend`
        : ''
      : report.content.state === 'sealed'
        ? ` · <span class="bad">inhoud NIET gelezen: verzegeld voor auditorsleutel ${report.content.sealedFor.slice(0, 16)}…</span>`
        : ' · <span class="bad">inhoud NIET gelezen: versleuteld met de sleutels van de installatie</span>';
  const cases = report.cases.map((c) => {
    const d = c.derived;
    const replay = !read
      ? '<span class="bad">niet gelezen, niet herspeeld</span>'
      : `<span class="${c.replaysCleanly ? 'ok' : 'bad'}">${c.replaysCleanly ? 'herspeelt zonder afwijking' : 'herspeelt NIET zonder afwijking'}</span>`;
    const status = `<span class="${c.intact ? 'ok' : 'bad'}">${c.intact ? 'intact' : 'NIET intact'}</span>, ${replay}`;
    const problems = c.problems.length
      ? `<ul class="bad">${c.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>`
      : '';
    if (!d) return `<section class="case"><h2>Casus ${escapeHtml(c.caseId)}</h2><p>${status}</p>${problems}</section>`;
    return `<section class="case"><h2>Casus ${escapeHtml(d.caseId)}</h2>
<p class="meta">Werkgever ${escapeHtml(d.employer.name)} (${escapeHtml(d.employer.id)}) · casemanager ${escapeHtml(d.casemanager)} · eerste ziektedag ${escapeHtml(d.firstSickDay)} · einde wachttijd ${escapeHtml(d.calendar.waitingTimeEnds)} · regelset ${escapeHtml(d.ruleset)}<br>
Status ${escapeHtml(d.status)}${d.closedReason ? ` (${escapeHtml(d.closedReason)})` : ''}, beoordeeld per ${escapeHtml(d.asOf)} · ${d.runs.length} run(s), ${d.runs.reduce((s, r) => s + r.events, 0)} history-events · ${status}</p>${problems}
${timelineSvg({ ...d, waitingTimeEnds: d.calendar.waitingTimeEnds })}
<h3>Verplichtingen</h3>${obligationsTable(d)}
<h3>Gebeurtenissen</h3>${eventsTable(d)}
<h3>Berichten</h3><table><thead><tr><th>Tijd (UTC)</th><th>Soort</th><th>Taken</th><th>Aan</th><th>Cc</th><th>Message-ID</th></tr></thead><tbody>${d.notifications
      .map(
        (n) =>
          `<tr><td>${escapeHtml(n.at)}</td><td>${escapeHtml(n.kind)}</td><td>${escapeHtml(n.tasks.map((t) => `${t.id} (${t.due})`).join(', '))}</td><td>${escapeHtml(n.to.join(', '))}</td><td>${escapeHtml(n.cc.join(', '))}</td><td><small>${escapeHtml(n.messageId)}</small></td></tr>`,
      )
      .join('')}</tbody></table></section>`;
  });
  return `<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Auditrapport poortwachter</title><style>${CSS}</style></head>
<body>
<h1>Auditrapport: ${report.cases.length} casus(sen)</h1>
<p class="meta">Bundel geëxporteerd ${escapeHtml(report.manifest.exportedAt)} door ${escapeHtml(report.manifest.project?.name)} ${escapeHtml(report.manifest.project?.version)} · workflowcode <code>${escapeHtml(report.workflowCode.exported)}</code> · rapport ${escapeHtml(generatedAt.toISOString())}<br>
Integriteit: <span class="${report.verdict === 'proven' ? 'ok' : 'bad'}">${
    report.verdict === 'proven'
      ? 'bewezen: alles klopt en de handtekening is van een vertrouwde sleutel'
      : report.verdict === 'unproven'
        ? 'NIET bewezen: de controles kloppen, maar zonder vertrouwde ondertekenaar kan iedereen dit bestand gemaakt hebben'
        : report.verdict === 'unread'
          ? 'intact en ondertekend door een vertrouwde sleutel, maar de inhoud is NIET gelezen: niets van wat de bundel over de casussen zegt is ermee vergeleken of herspeeld'
          : 'NIET in orde'
  }</span> · ${escapeHtml(sig)}${content}</p>
${report.problems.length ? `<ul class="bad">${report.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>` : ''}
${derived.length ? `<h2>Op tijd (SIVI verzuimrapportage)</h2>${siviTable(derived)}` : ''}
${cases.join('\n')}
</body></html>
`;
}
