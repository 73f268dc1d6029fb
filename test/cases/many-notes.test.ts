// A case cannot be broken by its own size: 5,000 notes of 2,000 characters are offered to one case on
// the dev server (four at a time). The first 1,000 are taken and the rest refused with a clear
// message; the case continues as new on the server's suggestion, carrying a bounded state; it still
// answers (the query keeps the latest entries and says how many came before), still reminds (a
// postponement sends the new reminder at once), and every run of its history replays.
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventNotAllowedError, getCase, openCase, recordEvent } from '../../client/cases.js';
import { addDays } from '../../workflows/calendar/index.js';
import { CASE_LIMITS, caseWorkflowId, TIMELINE_WINDOW } from '../../workflows/case-model.js';
import { sampleCase } from '../setup/case-world.js';
import { eventually, startDevWorld, type DevWorld } from '../setup/dev-world.js';
import { testDataConverter, workflowBundle } from '../setup/temporal.js';

describe('a case with very many notes', () => {
  let world: DevWorld;
  // Monday 2 November 2026, 09:00: an ordinary working week.
  const today = '2026-11-02';
  beforeAll(async () => {
    world = await startDevWorld(`many-notes-${process.pid}`, { start: today });
  });
  afterAll(async () => {
    await world?.close();
  });

  it(
    'takes 1,000 notes, refuses the rest in words, and still answers, reminds and replays',
    { timeout: 600_000 },
    async () => {
      const caseId = `many-notes-${Date.now()}`;
      const D = addDays(today, -38);
      await openCase(world.cases, sampleCase(caseId, D));
      // Recorded before the notes, with its document: long out of the timeline's window by the end.
      const document = { uri: 'https://dossier.arbo.example/ziekmelding.pdf', sha256: 'a'.repeat(64) };
      await recordEvent(world.cases, caseId, {
        type: 'task-completed',
        task: 'ziekmelding',
        date: addDays(D, 1),
        document,
        actor: 'anna@arbo.example',
      });

      const text = `Gesprek gevoerd over de voortgang. ${'x'.repeat(1965)}`;
      expect(text.length).toBe(2000);
      let next = 0;
      let taken = 0;
      const refusals = new Map<string, number>();
      const offer = async () => {
        while (next < 5_000) {
          next++;
          try {
            await recordEvent(world.cases, caseId, { type: 'note', text, actor: 'anna@arbo.example' });
            taken++;
          } catch (err) {
            if (!(err instanceof EventNotAllowedError)) throw err;
            refusals.set(err.message, (refusals.get(err.message) ?? 0) + 1);
          }
        }
      };
      await Promise.all([offer(), offer(), offer(), offer()]);
      expect(taken).toBe(CASE_LIMITS.notes);
      expect([...refusals]).toEqual([
        ["this case holds 1000 notes, the most one case takes; keep further notes in the arbodienst's own file", 4_000],
      ]);

      // It answers, with the latest entries at hand and the count of those before them.
      const view = await getCase(world.cases, caseId);
      expect(view.timeline.length).toBeLessThanOrEqual(TIMELINE_WINDOW + 50);
      expect(view.timelineOmitted! + view.timeline.length).toBeGreaterThan(CASE_LIMITS.notes);
      expect(JSON.stringify(view).length).toBeLessThan(1_000_000);
      // What the re-integratieverslag needs is kept apart from the window.
      expect(view.timeline.some((e) => e.event?.type === 'task-completed')).toBe(false);
      expect(view.completions).toEqual([{ task: 'ziekmelding', date: addDays(D, 1), document }]);

      // It continued as new on the server's suggestion (its history would have grown past it).
      const handle = world.cases.client.workflow.getHandle(caseWorkflowId(caseId));
      const runs: string[] = [];
      for await (const run of world.cases.client.workflow.list({ query: `WorkflowId = '${caseWorkflowId(caseId)}'` })) {
        runs.push(run.runId);
      }
      expect(runs.length).toBeGreaterThan(1);

      // It reminds: postponed to three days ahead, the new due date's reminder goes out at once.
      const due = view.calendar.milestones.find((m) => m.id === 'probleemanalyse')!.due;
      const newDue = addDays(due, 1);
      await recordEvent(world.cases, caseId, {
        type: 'task-postponed',
        task: 'probleemanalyse',
        newDate: newDue,
        reason: 'bedrijfsarts later beschikbaar',
        actor: 'anna@arbo.example',
      });
      await eventually(
        async () =>
          world.sink.messages.filter(
            (m) => m.messageId === `<${caseId}.reminder.probleemanalyse.${newDue}@poortwachter>`,
          ).length,
        (n) => n === 1,
        'the reminder for the new due date',
      );

      // Every run replays against the workflow code.
      const histories = await Promise.all(
        runs.map(async (runId) => ({
          workflowId: caseWorkflowId(caseId),
          history: await world.cases.client.workflow.getHandle(caseWorkflowId(caseId), runId).fetchHistory(),
        })),
      );
      const failures: string[] = [];
      for await (const result of Worker.runReplayHistories(
        { workflowBundle: await workflowBundle(), dataConverter: testDataConverter() },
        histories,
      )) {
        if (result.error) failures.push(String(result.error));
      }
      expect(failures).toEqual([]);
      await recordEvent(world.cases, caseId, { type: 'case-closed', reason: 'einde test', actor: 'anna' });
      await handle.result();
    },
  );
});
