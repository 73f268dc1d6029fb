// Docker does not run on our machines, so the compose file is checked by reading it: the worker
// gets a valid configuration, and the setup job registers exactly the workflow's search attributes.
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES, loadConfig } from '../runtime/config.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { searchAttributeFlags } from '../tools/dev/dev-server.js';

const root = new URL('..', import.meta.url).pathname;
const compose = parse(readFileSync(`${root}/docker-compose.yml`, 'utf8')) as {
  services: Record<string, { environment?: Record<string, string | number>; command?: string[]; build?: string }>;
};

describe('docker-compose.yml', () => {
  const worker = compose.services.worker!;
  const env = Object.fromEntries(Object.entries(worker.environment ?? {}).map(([k, v]) => [k, String(v)]));

  it('has the stack docs/operations.md describes', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['mailpit', 'postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'worker'].sort(),
    );
    expect(worker.build).toBe('.');
    expect(existsSync(`${root}/Dockerfile`)).toBe(true);
  });

  it('gives the worker only variables the config schema knows, and values it accepts', () => {
    expect(Object.keys(env).filter((name) => !ENV_VARIABLES.includes(name))).toEqual([]);
    const config = loadConfig(env);
    expect(config.temporalAddress).toBe('temporal:7233');
    expect(config.smtpUrl).toBe('smtp://mailpit:1025');
    // Every worker encrypts payloads: the keys must be configured, not baked into the file.
    expect(env.POORTWACHTER_KEYS).toMatch(/^\$\{POORTWACHTER_KEYS:\?/);
  });

  it('registers every custom search attribute of the workflow, with its type', () => {
    const script = (compose.services['temporal-setup']?.command ?? []).join(' ');
    const wanted = searchAttributeFlags().filter((flag) => flag !== '--search-attribute');
    expect(wanted).toHaveLength(SEARCH_ATTRIBUTES.length);
    for (const attribute of wanted) expect(script).toContain(attribute);
  });

  it('builds the worker from folders that exist', () => {
    const dockerfile = readFileSync(`${root}/Dockerfile`, 'utf8');
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) {
      expect(existsSync(`${root}/${source}`), `Dockerfile copies ${source}`).toBe(true);
    }
  });
});
