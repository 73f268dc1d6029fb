// The case list's pages, without a server: 25 a page, links that keep the search, a page number
// past the end shows nothing.
import { describe, expect, it } from 'vitest';
import type { CaseListEntry } from '../../client/cases.js';
import { casesHref, PAGE_SIZE, renderCasesPage } from '../../service/pages/cases-page.js';

const cases: CaseListEntry[] = Array.from({ length: 30 }, (_, i) => ({
  caseId: `K-${String(i + 1).padStart(2, '0')}`,
  status: 'open',
  employerId: 'wg-1',
  nextDeadline: '2026-03-10',
  overdueTasks: i % 2,
}));
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('the case list', () => {
  it('shows 25 a page, with a link to the next that keeps the search', () => {
    expect(PAGE_SIZE).toBe(25);
    const first = renderCasesPage(cases, { employer: 'wg-1', lateOnly: true, page: 1 }, 'nl');
    expect(text(first)).toContain('Zaken 1 tot en met 25 van 30');
    expect(first).toContain('href="/zaken?werkgever=wg-1&amp;te-laat=ja&amp;pagina=2" rel="next"');
    expect(first).not.toContain('rel="prev"');
    const second = renderCasesPage(cases, { employer: 'wg-1', lateOnly: true, page: 2 }, 'nl');
    expect(text(second)).toContain('Zaken 26 tot en met 30 van 30');
    expect(second).toContain('rel="prev"');
    expect(second).not.toContain('rel="next"');
    expect(text(renderCasesPage(cases, { page: 9 }, 'nl'))).toContain('Deze pagina bestaat niet: er zijn 30 zaken.');
    expect(text(renderCasesPage([], { page: 1 }, 'nl'))).toContain('Geen zaken gevonden.');
    expect(casesHref({ status: 'closed', page: 1 }, 1)).toBe('/zaken?status=closed');
  });
});
