// The daily digest as a mail client shows it: 640 px wide, with long employee and employer names and
// long task titles, a due date and the "record" link each stay on one line (a wrapped date reads as two
// dates). Rendered from the real templates, in Chromium, in Dutch and in English.
import { expect, test, type Page } from '@playwright/test';
import { digestNotification, renderNotification } from '../../activities/notifications.js';
import type { Digest, DigestItem } from '../../workflows/contract.js';

const DATE = '2026-11-02';

function item(caseId: string, due: string, status: DigestItem['task']['status']): DigestItem {
  return {
    caseId,
    employeeName: 'Wilhelmina Zwaantje van Oldenbarnevelt-Schimmelpenninck',
    employerName: 'Coöperatieve Bakkerij en Banketbakkerij De Korenschoof U.A.',
    task: {
      id: 'plan-van-aanpak',
      title: 'Plan van aanpak opstellen en ondertekenen door werkgever en werknemer',
      due,
      owner: 'werkgever en werknemer',
      legalBasis: 'Regeling procesgang eerste en tweede ziektejaar, art. 4',
      status,
    },
  };
}

function digest(language: 'nl' | 'en'): Digest {
  return {
    date: DATE,
    casemanager: { name: 'Anna Jansen', email: 'anna@arbo.example', key: 'cm-test' },
    language,
    overdue: [item('K-2001-LANGE-DOSSIERNAAM', '2026-10-19', 'overdue')],
    upcoming: [item('K-2002', '2026-11-09', 'open'), item('K-2003-B', '2026-11-13', 'open')],
  };
}

/** How many lines each matched element's text takes. */
async function linesOf(page: Page, selector: string): Promise<number[]> {
  return page.$$eval(selector, (cells) =>
    cells.map((cell) => {
      const range = cell.ownerDocument.createRange();
      range.selectNodeContents(cell);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    }),
  );
}

for (const language of ['nl', 'en'] as const) {
  test(`digest (${language}) keeps dates and links on one line at 640 px`, async ({ page }) => {
    const { html } = renderNotification(
      digestNotification(digest(language), '<digest.cm-test.2026-11-02@poortwachter>'),
    );
    await page.setViewportSize({ width: 640, height: 900 });
    await page.setContent(html!);
    const dates = await linesOf(page, 'tr td:first-child');
    const links = await linesOf(page, 'tr td:last-child');
    expect(dates).toHaveLength(3);
    expect(links).toHaveLength(3);
    expect(dates).toEqual([1, 1, 1]);
    expect(links).toEqual([1, 1, 1]);
    // The long names do wrap (the table fits the width instead of running off it).
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(640);
  });
}
