// The bulk import as a workflow of its own: the valid records are opened once each, every refusal is
// reported with its index and reason (and its record never reaches the import's history), the status
// query follows the progress, and neither a worker that dies nor a caller that stops halfway nor a
// second run of the same import opens a case twice.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseOpener } from '../activities/import.js';
import { caseOpener, getCase, openCase } from '../client/cases.js';
import {
  ImportMismatchError,
  importResult,
  importStatus,
  startImport,
  waitForImport,
  type ImportStatus,
} from '../client/import.js';
import type { IsoDate } from '../workflows/calendar/index.js';
import { caseWorkflowId } from '../workflows/case-model.js';
import { importWorkflowId } from '../workflows/import-api.js';
import { openAccessLog } from '../service/access-log.js';
import { ApiKeys, createKey } from '../service/api-keys.js';
import { buildService } from '../service/app.js';
import { sampleCase } from './setup/case-world.js';
import { startCaseWorker, type RunningCaseWorker } from './setup/case-workers.js';
import { eventually, startDevWorld, type DevWorld } from './setup/dev-world.js';
import { testDataConverter } from './setup/temporal.js';

/**
 * On the dev server, in real time: the cases an import opens sleep until their first deadline, days
 * away. (On the time-skipping server they raced through their two years whenever the test waited for
 * the import, and a run took 77 s.) The world's clock reads Monday 2026-03-02; the cases fell sick a
 * week earlier. Nothing here depends on a holiday.
 */
const D: IsoDate = '2026-03-02';
const SICK: IsoDate = '2026-02-23';
// No workflow cache: no task is left on a stopped worker's sticky queue (see worker-restart.test.ts).
const NO_CACHE = { maxCachedWorkflows: 0 };

/** A marker only the refused records hold: it must not be found in any payload of the import. */
const SECRET = 'geheime-diagnose-7f3a';

describe('a bulk import', () => {
  let world: DevWorld;
  const run = Date.now().toString(36);
  const workers: RunningCaseWorker[] = [];
  beforeAll(async () => {
    world = await startDevWorld(`import-${process.pid}-${run}`, { start: D });
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await world?.close();
  });

  /** Every payload of every event of the import's current run, decoded, as text. */
  async function historyText(importId: string): Promise<string> {
    const history = await world.cases.client.workflow.getHandle(importWorkflowId(importId)).fetchHistory();
    const payloads: Payload[] = [];
    const collect = (node: unknown) => {
      if (typeof node !== 'object' || node === null) return;
      if ('data' in node && 'metadata' in node && (node as Payload).metadata) payloads.push(node as Payload);
      else for (const value of Object.values(node)) collect(value);
    };
    collect(history);
    const decoded = await testDataConverter().payloadCodecs![0]!.decode(payloads);
    return decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
  }

  async function memoOf(caseId: string): Promise<unknown> {
    return (await world.cases.client.workflow.getHandle(caseWorkflowId(caseId)).describe()).memo?.importRecord;
  }

  it('opens the valid records once each and reports every refusal with its index and reason', async () => {
    const importId = `first-${run}`;
    const id = (i: number) => `imp-${run}-${i}`;
    const records: unknown[] = Array.from({ length: 120 }, (_, i) => sampleCase(id(i), SICK));
    records[7] = { ...sampleCase(id(7), SICK), employee: { id: 'wn-1' } };
    records[30] = sampleCase(id(30), '2026-02-30');
    records[55] = 'not a case';
    records[80] = { ...sampleCase(id(80), SICK), diagnosis: SECRET };
    records[11] = sampleCase(id(10), SICK); // the same case as the record before it: one chunk
    records[90] = sampleCase(id(10), SICK); // and again, much later
    // A case that exists before the import.
    await openCase(world.cases, sampleCase(id(100), SICK));

    const seen: ImportStatus[] = [];
    const started = await startImport(world.cases, records, { importId, source: 'test', batchRecords: 50 });
    expect(started).toEqual({ importId, workflowId: `import-${importId}`, attached: false });
    const result = await waitForImport(world.cases, importId, {
      intervalMs: 20,
      onProgress: (s) => seen.push(s),
    });

    const refusedAt = [7, 11, 30, 55, 80, 90, 100];
    expect(result).toMatchObject({
      importId,
      source: 'test',
      total: 120,
      received: 120,
      inputClosed: true,
      opened: 113,
      duplicates: 3,
      refusedCount: 7,
      done: true,
      runs: 1,
    });
    expect(result.refused.map((r) => [r.index, r.caseId])).toEqual([
      [7, id(7)],
      [11, id(10)],
      [30, id(30)],
      [55, undefined],
      [80, id(80)],
      [90, id(10)],
      [100, id(100)],
    ]);
    const reason = (index: number) => result.refused.find((r) => r.index === index)!.reason;
    expect(reason(7)).toMatch(/^employee\.displayName: /);
    expect(reason(30)).toContain('firstSickDay: 2026-02-30 does not exist');
    expect(reason(55)).toMatch(/^\(input\): /);
    expect(reason(80)).toContain('diagnosis');
    for (const dup of [11, 90]) expect(reason(dup)).toContain(`case ${id(10)} already exists`);
    expect(reason(100)).toContain(`case ${id(100)} already exists`);
    const expected = Array.from({ length: 120 }, (_, i) =>
      [7, 30, 55, 80].includes(i) ? 'r' : [11, 90, 100].includes(i) ? 'd' : 'o',
    );
    expect(result.outcomes).toBe(expected.join(''));

    // Each valid case is there, opened by its own record; the duplicates opened nothing.
    const opened = Array.from({ length: 120 }, (_, i) => i).filter((i) => !refusedAt.includes(i));
    const found = await Promise.all(
      opened.map(async (i) => [(await getCase(world.cases, id(i), { asOf: D })).employer.name, await memoOf(id(i))]),
    );
    expect(found).toEqual(opened.map((i) => ['Bakkerij De Korenschoof', `${importId}#${i}`]));
    expect(await memoOf(id(100))).toBeUndefined();
    for (const i of [7, 30, 80]) await expect(getCase(world.cases, id(i))).rejects.toThrow(/there is no case/);
    // The case opened by the import lives in the world's dates.
    expect((await getCase(world.cases, id(0), { asOf: world.today() })).calendar.firstSickDay).toBe(SICK);

    // The status query followed the progress, and ends with the result.
    expect(seen.at(-1)).toMatchObject({ done: true, opened: 113, refusedCount: 7 });
    const settled = seen.map((s) => s.opened + s.refusedCount);
    expect(settled).toEqual([...settled].sort((a, b) => a - b));
    expect(await importStatus(world.cases, importId)).toEqual(seen.at(-1));

    // A refused record's content never reached the import's history.
    const text = await historyText(importId);
    expect(text).toContain(id(1));
    expect(text).not.toContain(SECRET);

    // The same import id again: attached, nothing sent, nothing opened, the same result.
    const again = await startImport(world.cases, records, { importId, source: 'test' });
    expect(again.attached).toBe(true);
    expect(await waitForImport(world.cases, importId)).toEqual(result);
    // Other records under the same id are refused.
    await expect(startImport(world.cases, records.slice(1), { importId })).rejects.toThrow(ImportMismatchError);
  });

  it('a worker that dies after opening a case, and one restarted mid-import: every case opened once', async () => {
    const taskQueue = `import-restart-${process.pid}-${run}`;
    const cases = { ...world.cases, taskQueue };
    const importId = `restart-${run}`;
    const id = (i: number) => `res-${run}-${i}`;
    const records = Array.from({ length: 120 }, (_, i) => sampleCase(id(i), SICK));

    // The import runs on a task queue of its own, whose workers come and go; the cases it opens run
    // on the world's, whose worker stays.
    const real = caseOpener(world.cases);
    // The first worker opens the case of record 40 and then dies before it can report (its activity
    // attempt fails and is retried), and goes down for good at record 60.
    let reached60!: () => void;
    const atRecord60 = new Promise<void>((resolve) => (reached60 = resolve));
    let crashed40!: () => void;
    const atCrash40 = new Promise<void>((resolve) => (crashed40 = resolve));
    let crashedAfter40 = false;
    const dying: CaseOpener = {
      async open(record, tag) {
        const index = Number(tag.split('#')[1]);
        if (index >= 60) {
          reached60();
          throw new Error('the worker is going down');
        }
        const outcome = await real.open(record, tag);
        if (index === 40 && !crashedAfter40) {
          crashedAfter40 = true;
          crashed40();
          throw new Error('the worker died after the case was opened');
        }
        return outcome;
      },
    };
    const first = await startCaseWorker(world, taskQueue, NO_CACHE, { caseOpener: dying });
    workers.push(first);
    await startImport(cases, records, { importId, source: 'test' });
    await Promise.all([atRecord60, atCrash40]);
    // Records from 60 on cannot be opened on this worker.
    const before = await importStatus(cases, importId);
    expect(before).toMatchObject({ received: 120, done: false });
    expect(before.opened).toBeLessThan(120);
    await first.stop();
    workers.splice(workers.indexOf(first), 1);

    // A new worker on the same task queue takes the import over where it was.
    workers.push(await startCaseWorker(world, taskQueue, NO_CACHE, { caseOpener: caseOpener(world.cases) }));
    const result = await waitForImport(cases, importId, { intervalMs: 50 });
    expect(result).toMatchObject({ opened: 120, refusedCount: 0, duplicates: 0, done: true });
    expect(result.outcomes).toBe('o'.repeat(120));
    const memos = await Promise.all(Array.from({ length: 120 }, (_, i) => memoOf(id(i))));
    expect(memos).toEqual(Array.from({ length: 120 }, (_, i) => `${importId}#${i}`));
  });

  it('a caller that stops halfway goes on with the same import id, sending only what is missing', async () => {
    const importId = `halfway-${run}`;
    const id = (i: number) => `half-${run}-${i}`;
    const records: unknown[] = Array.from({ length: 100 }, (_, i) => sampleCase(id(i), SICK));
    records[75] = { ...sampleCase(id(75), SICK), diagnosis: SECRET };

    const sent: number[] = [];
    const interrupted = await startImport(world.cases, records, {
      importId,
      source: 'test',
      batchRecords: 25,
      recordsPerRun: 30,
      beforeBatch: (from) => {
        if (from === 50) throw new Error('the caller was stopped');
        sent.push(from);
      },
    }).catch((err: unknown) => err);
    expect((interrupted as Error).message).toBe('the caller was stopped');
    expect(sent).toEqual([0, 25]);
    const halfway = await importResult(world.cases, importId);
    expect(halfway).toMatchObject({ received: 50, inputClosed: false, done: false });
    // With 50 records opened and no more coming, the run continues as new (30 records a run); the
    // caller comes back after that, so that the rest goes to the next run. (Sent earlier, the rest
    // may arrive while the first run still works and be finished there, which is also right.)
    await eventually(
      () => importStatus(world.cases, importId),
      (s) => s.runs > 1,
      'the import continued as new',
    );

    const resumed = await startImport(world.cases, records, {
      importId,
      batchRecords: 25,
      beforeBatch: (from) => void sent.push(from),
    });
    expect(resumed.attached).toBe(true);
    expect(sent).toEqual([0, 25, 50, 75]);
    const result = await waitForImport(world.cases, importId, { intervalMs: 50 });
    expect(result).toMatchObject({ total: 100, opened: 99, refusedCount: 1, done: true });
    expect(result.runs).toBeGreaterThan(1);
    expect(result.refused).toEqual([{ index: 75, caseId: id(75), reason: expect.stringContaining('diagnosis') }]);
  });

  it('over HTTP: 202 with the status URL, per-record refusals, only for the system that started it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-import-'));
    const keysFile = join(dir, 'api-keys.json');
    const accessFile = join(dir, 'access.jsonl');
    const key = async (name: string, scopes: ('cases:read' | 'cases:write')[], employers?: string[]) =>
      (await createKey(keysFile, { name, scopes, ...(employers && { employers }) })).key;
    const keys = {
      all: await key('verzuimsysteem', ['cases:read', 'cases:write']),
      reader: await key('rapportage', ['cases:read']),
      other: await key('andere-werkgever', ['cases:read', 'cases:write'], ['wg-other']),
    };
    const accessLog = openAccessLog(accessFile);
    const deps = { cases: world.cases, keys: new ApiKeys(keysFile), accessLog, version: 'test' };
    const app = await buildService(deps);
    try {
      const call = async (method: 'GET' | 'POST', url: string, token?: string, body?: unknown) => {
        const res = await app.inject({
          method,
          url,
          headers: token ? { authorization: `Bearer ${token}` } : {},
          ...(body !== undefined && { payload: body as object }),
        });
        return {
          status: res.statusCode,
          type: String(res.headers['content-type']),
          headers: res.headers,
          body: res.json(),
        };
      };
      const doc = (await call('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/imports', '/api/v1/imports/{importId}']));

      const id = (i: number) => `http-${run}-${i}`;
      const records: unknown[] = Array.from({ length: 5 }, (_, i) => sampleCase(id(i), SICK));
      records[2] = { ...sampleCase(id(2), SICK), diagnosis: SECRET };
      const importId = `http-${run}`;
      const posted = await call('POST', `/api/v1/imports?id=${importId}`, keys.all, records);
      expect(posted).toMatchObject({
        status: 202,
        headers: { location: `/api/v1/imports/${importId}` },
        body: { importId, status: `/api/v1/imports/${importId}`, attached: false },
      });
      let status = (await call('GET', `/api/v1/imports/${importId}`, keys.all)).body;
      while (!status.done) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = (await call('GET', `/api/v1/imports/${importId}`, keys.all)).body;
      }
      expect(status).toMatchObject({ source: 'api:verzuimsysteem', total: 5, opened: 4, refusedCount: 1, done: true });
      expect(status.refused).toEqual([{ index: 2, caseId: id(2), reason: expect.stringContaining('diagnosis') }]);
      expect(status).not.toHaveProperty('fingerprint');
      expect((await getCase(world.cases, id(4), { asOf: D })).caseId).toBe(id(4));

      // The same id again: attached; with other records: 409.
      expect((await call('POST', `/api/v1/imports?id=${importId}`, keys.all, records)).body).toMatchObject({
        attached: true,
      });
      const conflict = await call('POST', `/api/v1/imports?id=${importId}`, keys.all, records.slice(1));
      expect(conflict).toMatchObject({ status: 409, body: { type: 'urn:poortwachter:problem:conflict' } });
      expect(conflict.type).toContain('application/problem+json');

      // Keys: none (401), a reader (403), another system (404, as if there were no such import), and
      // a key for one employer, whose other records are refused each.
      expect((await call('POST', '/api/v1/imports', undefined, records)).status).toBe(401);
      expect((await call('POST', '/api/v1/imports', keys.reader, records)).body).toMatchObject({
        status: 403,
        type: 'urn:poortwachter:problem:forbidden',
      });
      expect((await call('GET', `/api/v1/imports/${importId}`, keys.other)).status).toBe(404);
      expect((await call('GET', '/api/v1/imports/nope', keys.all)).body).toMatchObject({ status: 404 });
      expect((await call('POST', '/api/v1/imports', keys.all, [])).status).toBe(400);
      const limited = await call('POST', '/api/v1/imports', keys.other, [sampleCase(`http-${run}-x`, SICK)]);
      expect(limited.status).toBe(202);
      const limitedResult = await waitForImport(world.cases, String(limited.body.importId), { intervalMs: 50 });
      expect(limitedResult.refused).toEqual([
        { index: 0, caseId: `http-${run}-x`, reason: 'this key may not open cases of employer wg-001' },
      ]);

      // One access-log line per case the import touched.
      await accessLog.close();
      const lines = readFileSync(accessFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.filter((l) => l.action === 'import.start' && l.status === 202).map((l) => l.caseId)).toEqual(
        expect.arrayContaining(records.map((_, i) => id(i))),
      );
    } finally {
      await app.close();
    }
  });
});
