// Listing cases needs the server's visibility store, so this runs on the dev server (SQLite) with a
// worker in real time: cases are listed by casemanager, employer, status and overdue tasks, and
// the search attributes hold no e-mail address or name, and no unkeyed hash of one (a case from
// before keyed identifiers is still found by its casemanager).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listCases, openCase, recordEvent, type CaseClientOptions } from '../client/cases.js';
import { amsterdamDate } from '../workflows/calendar/amsterdam-time.js';
import { addDays } from '../workflows/calendar/index.js';
import { caseWorkflowId, legacyCasemanagerKey } from '../workflows/case-model.js';
import { CASE_STATUS, CASEMANAGER_ID } from '../workflows/search-attributes.js';
import { testSearchKeys } from './setup/temporal.js';
import { sampleCase } from './setup/case-world.js';
import { eventually, startDevWorld, type DevWorld } from './setup/dev-world.js';
import { runCli } from './setup/run-cli.js';

describe('case list on the dev server', () => {
  const saved = { ...process.env };
  let world: DevWorld;
  let cases: CaseClientOptions;
  const taskQueue = `list-${process.pid}`;
  const run = Date.now().toString(36);

  beforeAll(async () => {
    world = await startDevWorld(taskQueue);
    ({ cases } = world);
    process.env.TEMPORAL_ADDRESS = inject('devServerAddress');
    process.env.TEMPORAL_TASK_QUEUE = taskQueue;
  });
  afterAll(async () => {
    process.env = { ...saved };
    await world?.close();
  });

  it('lists by casemanager, employer, status and overdue', async () => {
    const today = amsterdamDate(Date.now());
    const anna = { name: 'Anna', email: `anna-${run}@arbo.example` };
    const bram = { name: 'Bram', email: `bram-${run}@arbo.example` };
    await openCase(cases, sampleCase(`fresh-${run}`, today, { casemanager: anna }));
    // Taken over 20 weeks in: probleemanalyse and plan van aanpak are overdue.
    await openCase(cases, sampleCase(`late-${run}`, addDays(today, -140), { casemanager: anna }));
    await openCase(
      cases,
      sampleCase(`other-${run}`, today, {
        casemanager: bram,
        employer: { id: `wg-${run}`, name: 'Ander BV', escalationEmail: 'hr@ander.example' },
      }),
    );
    await recordEvent(cases, `other-${run}`, { type: 'case-closed', reason: 'dubbel aangemaakt', actor: 'bram' });

    const ids = (list: { caseId: string }[]) => list.map((c) => c.caseId).sort();
    const annas = await eventually(
      () => listCases(cases, { casemanagerEmail: anna.email }),
      (l) => l.length === 2 && l.every((c) => c.nextDeadline !== undefined),
      "anna's cases",
    );
    expect(ids(annas)).toEqual([`fresh-${run}`, `late-${run}`].sort());

    const overdue = await eventually(
      () => listCases(cases, { casemanagerEmail: anna.email, overdue: true }),
      (l) => l.length === 1,
      'overdue cases',
    );
    expect(overdue[0]).toMatchObject({ caseId: `late-${run}`, status: 'open' });
    expect(overdue[0]!.overdueTasks).toBeGreaterThanOrEqual(2);

    const closed = await eventually(
      () => listCases(cases, { employerId: `wg-${run}`, status: 'closed' }),
      (l) => l.length === 1,
      'closed cases of the other employer',
    );
    expect(closed[0]?.caseId).toBe(`other-${run}`);

    const cli = await runCli(['case', 'list', '--casemanager', anna.email, '--overdue']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`late-${run}`);
    expect(cli.stdout).not.toContain(`fresh-${run}`);

    // What the server can read in plain text: ids, statuses, dates and counts, no e-mail addresses.
    const description = await cases.client.workflow.getHandle(caseWorkflowId(`late-${run}`)).describe();
    const raw = JSON.stringify(description.searchAttributes); // decoded values, as the server holds them
    expect(raw).toContain('wg-001');
    expect(raw).not.toContain('arbo.example');
    expect(raw).not.toContain('de Vries');
  });

  it('finds a case from before keyed identifiers, asleep with the unkeyed hash, beside the keyed ones', async () => {
    const today = amsterdamDate(Date.now());
    const carla = { name: 'Carla', email: `carla-${run}@arbo.example` };
    await openCase(cases, sampleCase(`keyed-${run}`, today, { casemanager: carla }));
    // A case started by the code of before and not woken since: on a queue no worker polls, so it
    // keeps the search attributes it was started with.
    const asleep = await cases.client.workflow.start('caseWorkflow', {
      taskQueue: `${taskQueue}-asleep`,
      workflowId: caseWorkflowId(`asleep-${run}`),
      args: [{ open: sampleCase(`asleep-${run}`, today, { casemanager: carla }) }],
      typedSearchAttributes: [
        { key: CASE_STATUS, value: 'open' },
        { key: CASEMANAGER_ID, value: legacyCasemanagerKey(carla.email) },
      ],
    });
    try {
      const carlas = await eventually(
        () => listCases(cases, { casemanagerEmail: carla.email }),
        (l) => l.length === 2,
        "carla's two cases",
      );
      expect(carlas.map((c) => c.caseId).sort()).toEqual([`asleep-${run}`, `keyed-${run}`]);
      const cli = await runCli(['case', 'list', '--casemanager', carla.email]);
      expect(cli.stdout).toContain(`asleep-${run}`);
      expect(cli.stdout).toContain(`keyed-${run}`);
      // The new case carries the keyed identifier, which nobody computes without the key ring.
      const keyed = await cases.client.workflow.getHandle(caseWorkflowId(`keyed-${run}`)).describe();
      expect(keyed.typedSearchAttributes.get(CASEMANAGER_ID)).toBe(testSearchKeys().casemanager(carla.email));
    } finally {
      await asleep.terminate('test done');
    }
  });
});
