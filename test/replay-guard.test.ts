// The replay guard: histories of representative cases, recorded from the workflow as it ran before
// (test/histories/*.json, written by tools/generate-histories.ts), must replay against the current
// workflow code. A change that would break cases already running fails here, in CI, instead of
// on production workers. How to add a history: test/histories/README.md. The negative controls change
// one line of the real workflow and expect the guard to refuse the histories that line touches.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from './setup/temporal.js';
import { workflowVariant } from './setup/workflow-variant.js';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

function load(file: string) {
  const history = historyFromJSON(JSON.parse(readFileSync(dir + file, 'utf8')));
  return { workflowId: `case-guard-${file.replace(/\.json$/, '')}`, history };
}

describe('replay guard', () => {
  it('has the representative histories', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'all-on-time.json',
        'late-with-escalations.json',
        'samentellen.json',
        'deskundigenoordeel-after-first-year.json',
        'loonsanctie.json',
        'continued-as-new.json',
        'cancel-invites-on-close.json',
        'continued-with-invitations.json',
        'takeover-summary.json',
        'takeover-then-escalation-and-reminder.json',
        'second-escalation.json',
        'delivery-failed.json',
        'deskundigenoordeel-follow-up.json',
        'continued-by-server-1.json',
        'continued-by-server-2.json',
        'import-1.json',
        'import-2.json',
        'search-team-bedrijfsarts.json',
        'summary-memo.json',
        'reassigned.json',
        'webhooks.json',
        'refused-recipient.json',
        'follow-up-after-holiday.json',
        'takeover-overdue-only.json',
        'office-hours.json',
        'invite-moved.json',
      ]),
    );
  });

  it('replays every committed history against the current workflow code', async () => {
    const histories = files.map(load);
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(replayed).toBe(files.length);
    expect(failures).toEqual([]);
  });

  it('refuses every case history when one line of the real workflow changes: the search attributes no longer published each round', async () => {
    const variant = await workflowVariant('case-workflow.ts', '    c.publish(calendar);\n', '');
    const cases = files.filter((f) => !f.startsWith('import-')).map(load);
    expect(cases.length).toBeGreaterThan(10);
    expect(await refusedBy(variant, cases)).toEqual(cases.map((h) => h.workflowId));
  });

  it('refuses both runs of the import when its chunks shrink from 50 to 10 records (a one-line change)', async () => {
    const variant = await workflowVariant(
      'import-workflow.ts',
      'export const CHUNK_RECORDS = 50;',
      'export const CHUNK_RECORDS = 10;',
    );
    const histories = files.filter((f) => f.startsWith('import-')).map(load);
    expect(histories).toHaveLength(2);
    expect(await refusedBy(variant, histories)).toEqual(histories.map((h) => h.workflowId));
  });

  it('replays a case whose start a rule tightened since would refuse (a line break in a name)', async () => {
    // all-on-time.json as if recorded before that rule: its start names the employee on two lines.
    // It must replay as it was taken.
    const json = JSON.parse(readFileSync(dir + 'all-on-time.json', 'utf8')) as {
      events: { workflowExecutionStartedEventAttributes?: { input: { payloads: { data: string }[] } } }[];
    };
    const start = json.events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[0]!;
    const input = JSON.parse(Buffer.from(start.data, 'base64').toString()) as {
      open: { employee: { displayName: string } };
    };
    input.open.employee.displayName = 'J. de\nVries';
    start.data = Buffer.from(JSON.stringify(input)).toString('base64');
    const changed = { workflowId: 'case-guard-all-on-time', history: historyFromJSON(json) };
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, [changed])) {
      if (result.error) failures.push(String(result.error));
    }
    expect(failures).toEqual([]);
  });

  it('refuses the histories of a take-over when the planner forgets the take-over summary (a one-line change)', async () => {
    const variant = await workflowVariant(
      'case-round.ts',
      "if (!state.started && due.some((m) => m.kind === 'escalation')) {",
      'if (false) {',
    );
    // takeover-overdue-only.json is left out: without the summary its round sends one escalation and
    // one reminder, the same two notify commands as its summary and reminder, which replay cannot tell apart.
    const histories = files.filter((f) => f.startsWith('takeover') && f !== 'takeover-overdue-only.json').map(load);
    expect(histories).toHaveLength(2);
    expect(await refusedBy(variant, histories)).toEqual(histories.map((h) => h.workflowId));
  });
});

/** The workflow ids of the histories that `bundle` refuses to replay. */
async function refusedBy(bundle: WorkflowBundle, histories: ReturnType<typeof load>[]): Promise<string[]> {
  const refused: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    if (result.error) refused.push(result.workflowId);
  }
  return refused;
}

