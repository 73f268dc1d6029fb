// The digest's paged list of open cases on the dev server (real visibility, a real page token): with
// pages of two, five open cases come in three pages, each case once, its summary decrypted from the
// memo as the client library's own list decrypts it; a closed case is not among them. The scan for
// casemanagers goes through those pages to the same recipients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestRecipients } from '../activities/digest.js';
import {
  caseReader,
  listCaseSummaries,
  openCase,
  recordEvent,
  type CaseClientOptions,
  type ListedCasesPage,
} from '../client/cases.js';
import { amsterdamDate } from '../workflows/calendar/amsterdam-time.js';
import { testSearchKeys } from './setup/temporal.js';
import { sampleCase } from './setup/case-world.js';
import { eventually, startDevWorld, type DevWorld } from './setup/dev-world.js';

describe('the paged list of open cases on the dev server', () => {
  let world: DevWorld;
  let cases: CaseClientOptions;
  const taskQueue = `paging-${process.pid}`;
  const run = Date.now().toString(36);
  const anna = { name: 'Anna', email: `anna-${run}@arbo.example` };
  const bram = { name: 'Bram', email: `bram-${run}@arbo.example` };
  const carla = { name: 'Carla', email: `carla-${run}@arbo.example` };
  const ours = (caseId: string) => caseId.endsWith(`-${run}`);
  const byId = (a: { caseId: string }, b: { caseId: string }) => a.caseId.localeCompare(b.caseId);

  beforeAll(async () => {
    world = await startDevWorld(taskQueue);
    ({ cases } = world);
    const today = amsterdamDate(Date.now());
    const owners = [anna, anna, bram, bram, carla, carla];
    for (const [i, casemanager] of owners.entries()) {
      await openCase(cases, sampleCase(`page-${i}-${run}`, today, { casemanager }));
    }
    await recordEvent(cases, `page-5-${run}`, { type: 'case-closed', reason: 'dubbel aangemaakt', actor: 'carla' });
    await eventually(
      async () => (await listCaseSummaries(cases, { status: 'open' })).filter((c) => ours(c.caseId)),
      (l) => l.length === 5 && l.every((c) => c.summary),
      'the five open cases with their summaries in visibility',
    );
  });
  afterAll(async () => {
    await world?.close();
  });

  it('lists every open case once over pages of two, each with its summary decrypted', async () => {
    const reader = caseReader(cases, { pageSize: 2 });
    const pages: ListedCasesPage[] = [];
    let pageToken: string | undefined;
    do {
      const page = await reader.openCasesPage(undefined, pageToken);
      pages.push(page);
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(pages.map((p) => p.cases.length)).toEqual([2, 2, 1]);
    const listed = pages.flatMap((p) => p.cases).sort(byId);
    expect(listed.map((c) => c.caseId)).toEqual([0, 1, 2, 3, 4].map((i) => `page-${i}-${run}`));

    // The same cases and summaries as the client library's list (client.workflow.list) gives.
    const before = (await listCaseSummaries(cases, { status: 'open' })).filter((c) => ours(c.caseId)).sort(byId);
    expect(listed.map(({ caseId, summary }) => ({ caseId, summary }))).toEqual(before);
    for (const c of listed) {
      expect(c.summary?.version).toBe(2);
      expect(c.casemanagerId).toBe(testSearchKeys().casemanager(c.summary!.casemanager.email));
    }
    expect((await reader.openCases()).sort(byId)).toEqual(listed);
  });

  it('finds the casemanagers of the open cases through the pages', async () => {
    const recipients = await digestRecipients(caseReader(cases, { pageSize: 2 }));
    expect(recipients.map((r) => r.key).sort()).toEqual(
      [anna, bram, carla].map((c) => testSearchKeys().casemanager(c.email)).sort(),
    );
  });
});
