// The project's workflows with one change, bundled: `file` in a copy of workflows/ has `from` (which
// must occur exactly once) replaced by `to`. The replay guard shows that such a change breaks old
// histories; the cluster tier deploys one (behind patched()) to running cases. The copy sits in the
// project's folder (not under node_modules, which the bundler does not compile), so that its imports
// of zod and the SDK resolve as the real ones do; it is removed after bundling.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { projectRoot } from '../../runtime/project.js';
import { bundleWorkflows } from '../../runtime/workflow-bundle.js';

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export async function workflowVariant(file: string, from: string, to: string): Promise<WorkflowBundleWithSourceMap> {
  const copy = mkdtempSync(join(projectRoot, '.workflow-variant-'));
  try {
    cpSync(join(projectRoot, 'workflows'), join(copy, 'workflows'), { recursive: true });
    const path = join(copy, 'workflows', file);
    const source = readFileSync(path, 'utf8');
    const occurrences = source.split(from).length - 1;
    if (occurrences !== 1) throw new Error(`"${from.trim()}" occurs ${occurrences} times in ${file}, not once`);
    writeFileSync(path, source.replace(from, to));
    return await bundleWorkflows(silent, join(copy, 'workflows', 'index.ts'));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
