// The Temporal server, its SQL schema tool and the Web UI server, built from their Go modules (the
// machines reach the Go module proxy, not Temporal's download site) once, into the git-ignored
// .temporal/ folder, one folder per version. Go keeps its own module and build caches (GOMODCACHE,
// GOCACHE), so a second clone builds in seconds; the first build takes about nine minutes on 2 cores.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { binariesHome } from '../temporal-binaries.js';
import { SERVER_PACKAGES, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION, UI_PACKAGE } from './versions.js';

const run = promisify(execFile);

export interface ClusterBinaries {
  server: string;
  sqlTool: string;
  ui: string;
}

export class GoBuildError extends Error {}

function serverHome(): string {
  return join(binariesHome(), `server-${TEMPORAL_SERVER_VERSION}`);
}

function uiHome(): string {
  return join(binariesHome(), `ui-server-${TEMPORAL_UI_VERSION}`);
}

export function clusterBinaryPaths(): ClusterBinaries {
  return {
    server: join(serverHome(), 'bin', 'temporal-server'),
    sqlTool: join(serverHome(), 'bin', 'temporal-sql-tool'),
    ui: join(uiHome(), 'bin', 'ui-server'),
  };
}

/**
 * `go install` of the packages into `home`/bin, each binary named as we call it. Built into a side
 * folder and renamed when complete, so that an interrupted build never looks finished.
 */
async function goInstall(home: string, packages: Record<string, string>, log: (line: string) => void): Promise<void> {
  const partial = `${home}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(join(partial, 'bin'), { recursive: true });
  const started = Date.now();
  // The build prints nothing for minutes: say so now, and how long it has taken every minute.
  const ticker = setInterval(
    () => log(`  still building (${Math.round((Date.now() - started) / 60_000)} min)`),
    60_000,
  );
  try {
    for (const [name, pkg] of Object.entries(packages)) {
      log(`building ${pkg} (go install; the first time takes minutes, then Go's build cache makes it seconds)`);
      try {
        // -trimpath: no paths of this machine in the binary. Pure Go (no cgo): no C toolchain needed.
        await run('go', ['install', '-trimpath', pkg], {
          env: { ...process.env, GOBIN: join(partial, 'bin'), CGO_ENABLED: '0' },
          timeout: 60 * 60_000,
          maxBuffer: 64 * 1024 * 1024,
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { stderr?: string };
        if (e.code === 'ENOENT')
          throw new GoBuildError(
            'the Go toolchain (`go`) is not on PATH: install Go 1.26 to build the Temporal server',
          );
        throw new GoBuildError(
          `go install ${pkg} failed:\n${(e.stderr ?? e.message).trim().split('\n').slice(-15).join('\n')}`,
        );
      }
      // go install names a binary after its package's folder (server, sql): give them their own names.
      const built = join(partial, 'bin', pkg.split('@')[0]!.split('/').pop()!);
      if (built !== join(partial, 'bin', name)) await rename(built, join(partial, 'bin', name));
    }
  } finally {
    clearInterval(ticker);
  }
  await rm(home, { recursive: true, force: true });
  await rename(partial, home);
  log(`built in ${Math.round((Date.now() - started) / 1000)} s: ${join(home, 'bin')}`);
}

/** Builds what is missing; returns the three binaries' paths. */
export async function ensureClusterBinaries(log: (line: string) => void = () => {}): Promise<ClusterBinaries> {
  const paths = clusterBinaryPaths();
  if (!existsSync(paths.server) || !existsSync(paths.sqlTool)) {
    await goInstall(serverHome(), SERVER_PACKAGES, log);
  }
  if (!existsSync(paths.ui)) await goInstall(uiHome(), { 'ui-server': UI_PACKAGE }, log);
  return paths;
}
