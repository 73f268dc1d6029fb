// Reads a V8 CPU profile (`node --cpu-prof`: one file per thread) and prints where the time went: busy
// seconds, self time per package or file, and the inclusive time of the functions named on the command
// line. How the figures in bench/results/diagnostics/*-cpu-profile.md were read.
//
//   node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof bench/dist/bench/run.js --only lifecycle
//   node bench/dist/bench/profile-summary.js /tmp/prof/CPU.*.cpuprofile -- 'init@.*vm-shared' 'nodemailer'
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const root = `${process.cwd()}/`;

/** `function@file:line`, with the paths to node_modules and the project, and the bundle's hash, left out. */
function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, '')
    .replace(root, '')
    .replace(/^(bench\/)?dist\//, '')
    .replace(/workflow-bundle-\w+/, 'workflow-bundle');
  // V8 counts lines from 0; editors and stack traces from 1.
  return `${functionName || '(anonymous)'}@${file}:${lineNumber + 1}`;
}

/** The package (node_modules), the project file, or the V8 pseudo-frame a node's self time belongs to. */
function owner(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (!url) return `(${functionName.slice(0, 60)})`;
  return /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? label(node).replace(/^[^@]*@|:\d+$/g, '');
}

function summarise(profile: Profile, patterns: string[]): string[] {
  const matchers = patterns.map((p) => new RegExp(p));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  let total = 0;
  let idle = 0;
  const perOwner = new Map<string, number>();
  const inclusive = patterns.map(() => 0);
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id)!;
    total += micros;
    if (node.callFrame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    perOwner.set(owner(node), (perOwner.get(owner(node)) ?? 0) + micros);
    // Inclusive: a sample counts once for a pattern that matches any frame on its stack.
    const stack: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(label(byId.get(at)!));
    matchers.forEach((m, i) => {
      if (stack.some((frame) => m.test(frame))) inclusive[i]! += micros;
    });
  }
  const s = (micros: number) => `${(micros / 1e6).toFixed(1).padStart(7)} s`;
  return [
    `total ${s(total).trim()}, idle ${s(idle).trim()}, busy ${s(total - idle).trim()}`,
    'self time by package or file:',
    ...[...perOwner]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, micros]) => `${s(micros)}  ${name}`),
    ...(patterns.length > 0 ? ['inclusive time:'] : []),
    ...patterns.map((p, i) => `${s(inclusive[i]!)}  ${p}`),
  ];
}

function main(args: string[]): number {
  const split = args.indexOf('--');
  const files = split < 0 ? args : args.slice(0, split);
  const patterns = split < 0 ? [] : args.slice(split + 1);
  if (files.length === 0) {
    process.stderr.write('usage: profile-summary <file.cpuprofile>... [-- <function pattern>...]\n');
    return 2;
  }
  for (const pattern of patterns) {
    try {
      new RegExp(pattern);
    } catch (err) {
      process.stderr.write(`profile-summary: not a regular expression: ${pattern} (${(err as Error).message})\n`);
      return 2;
    }
  }
  for (const file of files) {
    let profile: Profile;
    try {
      profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
      if (![profile.nodes, profile.samples, profile.timeDeltas].every(Array.isArray))
        throw new Error('not a CPU profile (nodes, samples, timeDeltas)');
    } catch (err) {
      process.stderr.write(`profile-summary: cannot read ${file}: ${(err as Error).message}\n`);
      return 1;
    }
    process.stdout.write(`== ${file}\n${summarise(profile, patterns).join('\n')}\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
