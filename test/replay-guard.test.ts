// The replay guard: histories of representative cases, recorded from the workflow as it ran before
// (test/histories/*.json, written by tools/generate-histories.ts), must replay against the current
// workflow code. A change that would break cases already running fails here, in CI, instead of
// on production workers. How to add a history: test/histories/README.md.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from './setup/temporal.js';

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

  it('refuses them all when the workflow does its steps in another order', async () => {
    const reordered = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./fixtures/reordered-case-workflow.ts', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    const refused: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: reordered }, files.map(load))) {
      if (result.error) refused.push(result.workflowId);
    }
    expect(refused).toEqual(files.map((f) => load(f).workflowId));
  });
});
