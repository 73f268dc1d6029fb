// The audit report: one self-contained HTML file (inline CSS and SVG, no scripts, fonts or network)
// with, per case, an SVG timeline over the weeks of the waiting time, a table of the obligations,
// the events with their actor, and the on-time figures of the SIVI verzuim reports. Prints to PDF.
import type { DerivedCase } from './history.js';
import { onTime } from './history.js';
import type { VerifyReport } from './verify.js';

const DAY = 86_400_000;

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const ms = (date: string) => Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date);

function timelineSvg(c: DerivedCase): string {
  const start = ms(c.firstSickDay);
  const endDate = [c.calendar.waitingTimeEnds, c.asOf].sort().at(-1)!;
  const end = Math.max(ms(endDate), start + 7 * DAY) + DAY;
  const weeks = Math.ceil((end - start) / (7 * DAY));
  const rows = c.obligations.filter((o) => o.status !== 'not-applicable' || o.doneOn);
  const left = 250; // room for the longest Dutch title at 10px
  const width = 1000;
  const plot = width - left - 24; // and for the last week label
  const rowH = 18;
  const top = 28;
  const height = top + rows.length * rowH + 40;
  const x = (t: number) => left + Math.max(0, Math.min(1, (t - start) / (end - start))) * plot;
  const parts: string[] = [];

  // Shading: time outside the sickness periods (recovery gaps) and the extension of the waiting time.
  const periods = c.periods;
  for (let i = 0; i < periods.length; i++) {
    const to = periods[i]!.to;
    if (!to) continue;
    const gapEnd = periods[i + 1] ? ms(periods[i + 1]!.from) : end;
    parts.push(
      `<rect class="gap" x="${x(ms(to) + DAY)}" y="${top - 6}" width="${Math.max(1, x(gapEnd) - x(ms(to) + DAY))}" height="${rows.length * rowH + 8}"><title>hersteld: ${escapeHtml(to)} tot ${periods[i + 1] ? escapeHtml(periods[i + 1]!.from) : 'einde'}</title></rect>`,
    );
  }
  const extensionWeeks = c.extensions.reduce((sum, e) => sum + e.weeks, 0);
  if (extensionWeeks > 0) {
    const ends = ms(c.calendar.waitingTimeEnds);
    const from = ends - extensionWeeks * 7 * DAY;
    parts.push(
      `<rect class="ext" x="${x(from)}" y="${top - 6}" width="${Math.max(1, x(ends) - x(from))}" height="${rows.length * rowH + 8}"><title>verlenging: ${escapeHtml(c.extensions.map((e) => `${e.kind} ${e.weeks} weken`).join(', '))}</title></rect>`,
    );
  }
  // Week grid and labels.
  const step = weeks > 60 ? 13 : weeks > 20 ? 4 : 1;
  for (let w = 0; w <= weeks; w += step) {
    const gx = x(start + w * 7 * DAY);
    parts.push(`<line class="grid" x1="${gx}" y1="${top - 8}" x2="${gx}" y2="${top + rows.length * rowH}"/>`);
    parts.push(`<text class="wk" x="${gx}" y="${top - 12}">wk ${w + 1}</text>`);
  }
  rows.forEach((o, i) => {
    const y = top + i * rowH + rowH / 2;
    parts.push(`<text class="lbl" x="${left - 6}" y="${y + 4}">${escapeHtml(o.title)}</text>`);
    const due = ms(o.due);
    const done = o.doneOn ? ms(o.doneOn) : undefined;
    const late = o.daysLate > 0;
    if (o.postponement) {
      const orig = ms(o.postponement.originalDue);
      parts.push(
        `<line class="post" x1="${x(orig)}" y1="${y}" x2="${x(due)}" y2="${y}"><title>uitgesteld van ${escapeHtml(o.postponement.originalDue)} naar ${escapeHtml(o.due)}: ${escapeHtml(o.postponement.reason)}</title></line>`,
      );
      parts.push(`<circle class="orig" cx="${x(orig)}" cy="${y}" r="3"/>`);
    }
    if (done !== undefined && late)
      parts.push(`<line class="lateline" x1="${x(due)}" y1="${y}" x2="${x(done)}" y2="${y}"/>`);
    if (done === undefined && late)
      parts.push(`<line class="lateline open" x1="${x(due)}" y1="${y}" x2="${x(ms(c.asOf))}" y2="${y}"/>`);
    parts.push(
      `<rect class="due" x="${x(due) - 4}" y="${y - 5}" width="8" height="10"><title>uiterlijk ${escapeHtml(o.due)}</title></rect>`,
    );
    if (done !== undefined)
      parts.push(
        `<circle class="${late ? 'done late' : 'done'}" cx="${x(done)}" cy="${y}" r="5"><title>gedaan ${escapeHtml(o.doneOn)}${late ? `, ${o.daysLate} dagen te laat` : ''}</title></circle>`,
      );
    for (const at of o.reminders)
      parts.push(
        `<path class="rem" d="M${x(ms(at))} ${y - 9} l-3 -5 h6 z"><title>herinnering ${escapeHtml(at)}</title></path>`,
      );
    for (const at of o.escalations)
      parts.push(
        `<path class="esc" d="M${x(ms(at))} ${y + 9} l-4 6 h8 z"><title>escalatie ${escapeHtml(at)}</title></path>`,
      );
  });
  const ly = top + rows.length * rowH + 24;
  parts.push(
    `<g class="legend" transform="translate(${left},${ly})">` +
      `<rect class="due" x="0" y="-8" width="8" height="10"/><text x="12" y="0">uiterlijk</text>` +
      `<circle class="done" cx="80" cy="-3" r="5"/><text x="90" y="0">gedaan</text>` +
      `<circle class="done late" cx="150" cy="-3" r="5"/><text x="160" y="0">te laat</text>` +
      `<path class="rem" d="M230 -8 l-3 -5 h6 z"/><text x="238" y="0">herinnering</text>` +
      `<path class="esc" d="M330 -8 l-4 6 h8 z"/><text x="338" y="0">escalatie</text>` +
      `<line class="post" x1="420" y1="-3" x2="440" y2="-3"/><text x="446" y="0">uitgesteld (art. 5)</text>` +
      `<rect class="gap" x="560" y="-10" width="14" height="12"/><text x="578" y="0">hersteld</text>` +
      `<rect class="ext" x="650" y="-10" width="14" height="12"/><text x="668" y="0">verlenging</text></g>`,
  );
  return `<svg class="timeline" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="tijdlijn ${escapeHtml(c.caseId)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function obligationsTable(c: DerivedCase): string {
  const rows = c.obligations.map(
    (o) =>
      `<tr class="${o.daysLate > 0 ? 'late' : ''}"><td>${escapeHtml(o.title)}<br><small>${escapeHtml(o.id)}</small></td><td>${escapeHtml(o.due)}${o.postponement ? `<br><small>uitgesteld van ${escapeHtml(o.postponement.originalDue)}: ${escapeHtml(o.postponement.reason)}</small>` : ''}</td><td>${escapeHtml(o.doneOn ?? '')}</td><td class="num">${o.daysLate || ''}</td><td>${escapeHtml(o.notApplicableBecause ? `n.v.t. (${o.notApplicableBecause})` : o.status)}</td><td>${o.reminders.map(escapeHtml).join('<br>')}</td><td>${o.escalations.map(escapeHtml).join('<br>')}</td></tr>`,
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
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join('; '),
    )}</td></tr>`;
  });
  return `<table><thead><tr><th>Tijd (UTC)</th><th>Gebeurtenis</th><th>Door</th><th>Gegevens</th></tr></thead><tbody>${rows.join('') || '<tr><td colspan="4">geen</td></tr>'}</tbody></table>`;
}

function siviTable(cases: DerivedCase[]): string {
  const header = onTime(cases[0]!).map((s) => `<th>${escapeHtml(s.label)}</th>`);
  const rows = cases.map(
    (c) =>
      `<tr><td>${escapeHtml(c.caseId)}</td>${onTime(c)
        .map((s) => `<td class="ot ${s.value.replace(/[^a-z]/g, '')}">${escapeHtml(s.value)}</td>`)
        .join('')}</tr>`,
  );
  return `<table class="sivi"><thead><tr><th>Casus</th>${header.join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#111;margin:24px;font-size:13px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 6px}h3{font-size:14px;margin:14px 0 4px}
.meta{color:#444}.meta code{font-size:11px}
.ok{color:#15803d;font-weight:600}.bad{color:#b91c1c;font-weight:600}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right}tr.late td{background:#fdecec}small{color:#555}
td.ot.optijd{color:#15803d}td.ot.telaat,td.ot.nietgedaan{color:#b91c1c;font-weight:600}
svg.timeline{border:1px solid #ddd;background:#fff}
.grid{stroke:#eee}.wk{font-size:9px;fill:#777;text-anchor:middle}.lbl{font-size:10px;text-anchor:end}
.due{fill:#fff;stroke:#111}.done{fill:#16a34a}.done.late{fill:#dc2626}.lateline{stroke:#dc2626;stroke-width:2}
.lateline.open{stroke-dasharray:4 2}.post{stroke:#d97706;stroke-width:2;stroke-dasharray:3 2}.orig{fill:none;stroke:#d97706}
.rem{fill:#2563eb}.esc{fill:#dc2626}.gap{fill:#16a34a;opacity:.12}.ext{fill:#d97706;opacity:.15}
.legend text{font-size:10px}
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
  const cases = report.cases.map((c) => {
    const d = c.derived;
    const status = `<span class="${c.intact ? 'ok' : 'bad'}">${c.intact ? 'intact' : 'NIET intact'}</span>, <span class="${c.replaysCleanly ? 'ok' : 'bad'}">${c.replaysCleanly ? 'herspeelt zonder afwijking' : 'herspeelt NIET zonder afwijking'}</span>`;
    const problems = c.problems.length
      ? `<ul class="bad">${c.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>`
      : '';
    if (!d) return `<section class="case"><h2>Casus ${escapeHtml(c.caseId)}</h2><p>${status}</p>${problems}</section>`;
    return `<section class="case"><h2>Casus ${escapeHtml(d.caseId)}</h2>
<p class="meta">Werkgever ${escapeHtml(d.employer.name)} (${escapeHtml(d.employer.id)}) · casemanager ${escapeHtml(d.casemanager)} · eerste ziektedag ${escapeHtml(d.firstSickDay)} · einde wachttijd ${escapeHtml(d.calendar.waitingTimeEnds)} · regelset ${escapeHtml(d.ruleset)}<br>
Status ${escapeHtml(d.status)}${d.closedReason ? ` (${escapeHtml(d.closedReason)})` : ''}, beoordeeld per ${escapeHtml(d.asOf)} · ${d.runs.length} run(s), ${d.runs.reduce((s, r) => s + r.events, 0)} history-events · ${status}</p>${problems}
${timelineSvg(d)}
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
Integriteit: <span class="${report.ok ? 'ok' : 'bad'}">${report.ok ? 'alles klopt' : 'NIET in orde'}</span> · ${escapeHtml(sig)}</p>
${report.problems.length ? `<ul class="bad">${report.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>` : ''}
${derived.length ? `<h2>Op tijd (SIVI verzuimrapportage)</h2>${siviTable(derived)}` : ''}
${cases.join('\n')}
</body></html>
`;
}
