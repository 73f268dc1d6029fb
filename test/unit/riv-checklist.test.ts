// The re-integratieverslag checklist, without a server: from the first day every part UWV expects is
// listed, recorded (with its document) or missing (with its due date, late or not); every evaluatie
// recorded is a row of its own, and the next one stays missing until it is recorded. First sick day
// Monday 5 January 2026; judged on 1 June 2026.
import { describe, expect, it } from 'vitest';
import { renderRivChecklist, rivChecklist } from '../../service/pages/riv-checklist.js';
import { caseView } from '../../workflows/case-api.js';
import { applyEvent } from '../../workflows/case-events.js';
import type { CaseEvent } from '../../workflows/case-model.js';
import { caseState } from './fixtures.js';

const D = '2026-01-05';
const doc = { uri: 'https://dossier.arbo.example/pa.pdf', sha256: 'a'.repeat(64) };

function viewWith(events: CaseEvent[], asOf: string) {
  const state = caseState(D);
  for (const event of events) {
    applyEvent(state, event, asOf);
    state.timeline.push({ at: `${asOf}T09:00:00Z`, kind: 'event', actor: 'anna', event });
  }
  return caseView(state, asOf);
}

describe('the re-integratieverslag checklist', () => {
  it('on the first day: every part missing, with its due date', () => {
    const items = rivChecklist(viewWith([], D));
    expect(items.map((i) => i.task)).toEqual([
      'probleemanalyse',
      'plan-van-aanpak',
      'evaluatie',
      'eerstejaarsevaluatie',
      'actueel-oordeel',
      'eindevaluatie',
    ]);
    expect(items.every((i) => !i.recorded && i.due && !i.overdue)).toBe(true);
    expect(items[0]).toMatchObject({ title: 'Probleemanalyse door de bedrijfsarts', due: '2026-02-15' });
  });

  it('recorded parts with their documents, each evaluatie its own row, the next one missing and late', () => {
    const done = (task: string, date: string, extra = {}) =>
      ({ type: 'task-completed', actor: 'anna', task, date, ...extra }) as CaseEvent;
    const view = viewWith(
      [
        done('probleemanalyse', '2026-02-10', { document: doc }),
        done('plan-van-aanpak', '2026-02-20'),
        done('evaluatie', '2026-04-01'),
      ],
      '2026-06-01',
    );
    const items = rivChecklist(view);
    expect(items.slice(0, 4)).toEqual([
      {
        task: 'probleemanalyse',
        title: 'Probleemanalyse door de bedrijfsarts',
        recorded: { on: '2026-02-10', document: doc },
      },
      { task: 'plan-van-aanpak', title: 'Plan van aanpak opstellen', recorded: { on: '2026-02-20' } },
      { task: 'evaluatie', title: 'Evaluatie en bijstelling plan van aanpak', recorded: { on: '2026-04-01' } },
      // Six weeks after the first: due 13 May, on 1 June late.
      { task: 'evaluatie', title: 'Evaluatie en bijstelling plan van aanpak', due: '2026-05-13', overdue: true },
    ]);
    const text = renderRivChecklist(view, 'nl')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ');
    expect(text).toContain(
      'Probleemanalyse door de bedrijfsarts vastgelegd op 10-02-2026 https://dossier.arbo.example/pa.pdf',
    );
    expect(text).toContain('Plan van aanpak opstellen vastgelegd op 20-02-2026 geen document vastgelegd');
    expect(text).toContain('ontbreekt, te laat (uiterlijk 13-05-2026)');
    expect(text).toContain('4 onderdelen ontbreken nog.');
  });

  it('links a document only when it is a web address: a javascript: URI stays text', () => {
    const sneaky = { uri: 'javascript:alert(document.cookie)', sha256: 'b'.repeat(64) };
    const html = renderRivChecklist(
      viewWith(
        [{ type: 'task-completed', actor: 'anna', task: 'probleemanalyse', date: '2026-02-10', document: sneaky }],
        '2026-03-01',
      ),
      'nl',
    );
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('<span class="uri">javascript:alert(document.cookie)</span>');
    expect(renderRivChecklist(viewWith([], D), 'nl')).not.toContain('<a ');
  });
});
