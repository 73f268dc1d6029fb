// Phase 6, the auditors: `poortwachter audit export --all` of the whole fleet and `audit verify` of
// that bundle, each as the installed command (node bin/poortwachter.js, the product's own build in
// dist/) in a process of its own, under /usr/bin/time -v for its CPU and peak RSS. Against the SDK's
// bare Worker.runReplayHistories of a sample of the same histories on one core (taskset -c 0). The
// audit commands are being changed (streaming bundles, replay in worker threads): a command that fails
// is recorded with its exit code and the end of its stderr, and the run goes on.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { projectRoot } from '../../runtime/project.js';
import { pool, round } from '../util.js';
import type { FleetContext } from './context.js';
import type { PartCost } from './meter.js';
import type { ReplayBaselineResult } from './replay-baseline.js';

const TIME = '/usr/bin/time';

export interface CommandRun {
  command: string;
  exitCode: number | null;
  wallSeconds: number;
  /** From /usr/bin/time -v (absent without it). */
  cpuSeconds?: number;
  peakRssMb?: number;
  /** The end of its stderr when it failed. */
  stderrTail?: string[];
}

export interface AuditFigures {
  /** When the product's build that ran (dist/cli/audit.js) was made: the commands are being changed. */
  builtAt: string;
  /** The case histories the export should hold (case workflows on the server). */
  histories: number;
  export: CommandRun & { bundleMb?: number; serverCost: PartCost };
  verify?: CommandRun & { verdict?: string; replayed?: number; historiesPerSecond?: number };
  baseline?: ReplayBaselineResult & { sample: boolean };
  baselineError?: string;
  /** verify's histories per second / the bare single-core replay's. */
  ratio?: number;
}

export async function runAudit(ctx: FleetContext, replaySample: number): Promise<AuditFigures> {
  const dir = join(ctx.dir, 'audit');
  await mkdir(dir, { recursive: true });
  const workflowIds: string[] = [];
  for await (const execution of ctx.client.workflow.list({ query: `WorkflowType = 'caseWorkflow'` }))
    workflowIds.push(execution.workflowId);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signingKey = join(dir, 'signing.pem');
  const publicKeyFile = join(dir, 'signing.pub.pem');
  await writeFile(signingKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const bundle = join(dir, 'fleet-bundle.json');
  const env = {
    TEMPORAL_ADDRESS: ctx.server.address,
    TEMPORAL_TASK_QUEUE: ctx.state.taskQueue,
    POORTWACHTER_KEYS: ctx.state.keys,
    POORTWACHTER_DATA_DIR: ctx.dir,
  };
  ctx.log(`audit: exporting ${workflowIds.length} histories`, true);
  const part = ctx.part();
  const exported = await command(
    ctx,
    ['audit', 'export', '--all', '--out', bundle, '--signing-key', signingKey],
    env,
    join(dir, 'export.out'),
  );
  const figures: AuditFigures = {
    builtAt: (await stat(join(projectRoot, 'dist', 'cli', 'audit.js'))).mtime.toISOString(),
    histories: workflowIds.length,
    export: {
      ...exported,
      ...(existsSync(bundle) && { bundleMb: round((await stat(bundle)).size / 1024 / 1024, 1) }),
      serverCost: part.stop(),
    },
  };
  if (exported.exitCode === 0) figures.verify = await verify(ctx, bundle, publicKeyFile, env, workflowIds.length);
  try {
    figures.baseline = await replayBaseline(ctx, workflowIds, replaySample, dir);
  } catch (err) {
    figures.baselineError = (err as Error).message;
  }
  if (figures.verify?.historiesPerSecond && figures.baseline)
    figures.ratio = round(figures.verify.historiesPerSecond / figures.baseline.historiesPerSecond);
  return figures;
}

async function verify(
  ctx: FleetContext,
  bundle: string,
  publicKey: string,
  env: Record<string, string>,
  histories: number,
): Promise<AuditFigures['verify']> {
  ctx.log(`audit: verifying the bundle`, true);
  const out = join(ctx.dir, 'audit', 'verify.json');
  const run = await command(ctx, ['audit', 'verify', bundle, '--public-key', publicKey, '--json'], env, out);
  let verdict: string | undefined;
  let replayed: number | undefined;
  try {
    const report = JSON.parse(await readFile(out, 'utf8')) as {
      verdict: string;
      cases: { replaysCleanly?: boolean }[];
    };
    verdict = report.verdict;
    replayed = report.cases.filter((c) => c.replaysCleanly).length;
  } catch {
    // not the report this bench knows (the command is being changed): the exit code still says
  }
  return {
    ...run,
    ...(verdict && { verdict }),
    ...(replayed !== undefined && { replayed }),
    ...(run.exitCode === 0 && { historiesPerSecond: round(histories / run.wallSeconds) }),
  };
}

/** `node bin/poortwachter.js <args>` under /usr/bin/time -v, its stdout to `out`. */
async function command(
  ctx: FleetContext,
  args: string[],
  env: Record<string, string>,
  out: string,
): Promise<CommandRun> {
  const timed = existsSync(TIME);
  const argv = [process.execPath, join(projectRoot, 'bin', 'poortwachter.js'), ...args];
  const { POORTWACHTER_KEYS_FILE: _ignored, ...inherited } = process.env;
  const t0 = performance.now();
  const child = spawn(timed ? TIME : argv[0]!, timed ? ['-v', ...argv] : argv.slice(1), {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(createWriteStream(out));
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const ticker = setInterval(
    () => ctx.log(`audit: ${args[1]} running for ${round((performance.now() - t0) / 1000)} s`, true),
    30_000,
  );
  const exitCode = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearInterval(ticker);
  const wallSeconds = round((performance.now() - t0) / 1000);
  const field = (name: string) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(stderr)?.[1] ?? NaN);
  const cpu = field('User time \\(seconds\\)') + field('System time \\(seconds\\)');
  const peakKb = field('Maximum resident set size \\(kbytes\\)');
  // /usr/bin/time reports the command's own exit code as its own.
  const tail = stderr.split('\n').filter((l) => l.trim() && !/^\t/.test(l) && !/^Command (being timed|exited)/.test(l));
  ctx.log(`audit: ${args[1]} exited ${exitCode} after ${wallSeconds} s`, true);
  return {
    command: `poortwachter ${args.join(' ')}`,
    exitCode,
    wallSeconds,
    ...(!Number.isNaN(cpu) && { cpuSeconds: round(cpu, 1) }),
    ...(!Number.isNaN(peakKb) && { peakRssMb: round(peakKb / 1024, 1) }),
    ...(exitCode !== 0 && { stderrTail: tail.slice(-10) }),
  };
}

/** A sample of the same histories, evenly spread, replayed bare on one core. */
async function replayBaseline(
  ctx: FleetContext,
  workflowIds: string[],
  sampleSize: number,
  dir: string,
): Promise<ReplayBaselineResult & { sample: boolean }> {
  const count = Math.min(sampleSize, workflowIds.length);
  const sample = Array.from({ length: count }, (_, i) => workflowIds[Math.floor((i * workflowIds.length) / count)]!);
  let fetched = 0;
  const lines = await pool(sample, 8, async (workflowId) => {
    const history = await ctx.client.workflow.getHandle(workflowId).fetchHistory();
    ctx.log(`audit baseline: fetched ${++fetched}/${count} histories`);
    // historyToJSON writes the proto3 JSON form over many lines: one line per history here.
    return `${JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) })}\n`;
  });
  const file = join(dir, 'replay-sample.jsonl');
  await writeFile(file, lines.join(''));
  ctx.log(`audit baseline: replaying ${count} histories on one core`, true);
  const script = join(projectRoot, 'bench', 'dist', 'bench', 'fleet', 'replay-baseline.js');
  const { POORTWACHTER_KEYS_FILE: _ignored, ...inherited } = process.env;
  const child = spawn('taskset', ['-c', '0', process.execPath, script, file], {
    env: { ...inherited, POORTWACHTER_KEYS: ctx.state.keys },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-5000)));
  const exitCode = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (exitCode !== 0)
    throw new Error(`the bare replay exited ${exitCode}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const result = JSON.parse(stdout) as ReplayBaselineResult;
  return {
    ...result,
    seconds: round(result.seconds),
    historiesPerSecond: round(result.historiesPerSecond),
    cpuSeconds: round(result.cpuSeconds, 1),
    sample: count < workflowIds.length,
  };
}
