// The 104-week bar of a case: one SVG, the same in the auditor's report (client/audit/report.ts) and
// on the case page (service/pages/case-page.ts). One row per obligation over the weeks of the waiting
// time: its due date, when it was done (late in red), postponements, reminders and escalations, the
// time recovered and the extensions shaded. Self-contained: inline SVG, styled by TIMELINE_CSS.

const DAY = 86_400_000;

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** What the bar shows of a case, from a verified history or a case's record. */
export interface TimelineChart {
  caseId: string;
  firstSickDay: string;
  waitingTimeEnds: string;
  /** The day the statuses are judged on: the bar runs at least to it. */
  asOf: string;
  periods: { from: string; to?: string }[];
  extensions: { kind: string; weeks: number }[];
  obligations: {
    title: string;
    due: string;
    status: string;
    doneOn?: string;
    daysLate: number;
    postponement?: { reason: string; originalDue: string };
    reminders: string[];
    escalations: string[];
  }[];
}

/** The bar's styles, scoped to it (pages include them beside their own). */
export const TIMELINE_CSS = `svg.timeline{border:1px solid #ddd;background:#fff;max-width:100%;height:auto}
svg.timeline .grid{stroke:#eee}svg.timeline .wk{font-size:9px;fill:#595959;text-anchor:middle}svg.timeline .lbl{font-size:10px;text-anchor:end}
svg.timeline .due{fill:#fff;stroke:#111}svg.timeline .done{fill:#16a34a}svg.timeline .done.late{fill:#dc2626}svg.timeline .lateline{stroke:#dc2626;stroke-width:2}
svg.timeline .lateline.open{stroke-dasharray:4 2}svg.timeline .post{stroke:#d97706;stroke-width:2;stroke-dasharray:3 2}svg.timeline .orig{fill:none;stroke:#d97706}
svg.timeline .rem{fill:#2563eb}svg.timeline .esc{fill:#dc2626}svg.timeline .gap{fill:#16a34a;opacity:.12}svg.timeline .ext{fill:#d97706;opacity:.15}
svg.timeline .legend text{font-size:10px}`;

const ms = (date: string) => Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date);

export function timelineSvg(c: TimelineChart): string {
  const start = ms(c.firstSickDay);
  const endDate = [c.waitingTimeEnds, c.asOf].sort().at(-1)!;
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
    const ends = ms(c.waitingTimeEnds);
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
        `<circle class="${late ? 'done late' : 'done'}" cx="${x(done)}" cy="${y}" r="5"><title>gedaan ${escapeHtml(o.doneOn)}${late ? `, ${o.daysLate} ${o.daysLate === 1 ? 'dag' : 'dagen'} te laat` : ''}</title></circle>`,
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
