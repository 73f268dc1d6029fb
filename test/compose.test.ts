// Docker does not run on our machines, so the compose file is checked by reading it: it runs the
// Temporal server, tools and UI that `npm run cluster` tests (tools/cluster/versions.ts), on the
// configuration kept in cluster/, with the CLUSTER_* variables that configuration reads; the setup
// registers exactly the workflow's search attributes; the worker and the service get a valid
// configuration, their keys as secrets, and can be scaled.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV_VARIABLES, loadConfig } from '../runtime/config.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { searchAttributeFlags } from '../tools/dev/dev-server.js';
import {
  POSTGRES_MAJOR,
  SERVER_CONFIG,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_VERSION,
  NAMESPACE_RETENTION_DAYS,
} from '../tools/cluster/versions.js';

type Scalar = string | number | boolean | null;
interface Service {
  image?: string;
  build?: string;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, Scalar>;
  secrets?: (string | { source: string; target?: string })[];
  volumes?: string[];
  ports?: (string | number)[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  container_name?: string;
  depends_on?: string[] | Record<string, { condition?: string }>;
}
interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string; environment?: string }>;
}

const root = new URL('..', import.meta.url).pathname;
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
// `merge`: the file shares the database settings with a YAML merge key (<<), as compose reads it.
const compose = parse(composeText, { merge: true }) as Compose;
const template = readFileSync(join(root, SERVER_CONFIG), 'utf8');

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/**
 * A value as compose hands it to the container, with nothing set in the shell: `${VAR:-default}`
 * gives the default, `$$` a single `$`. A required `${VAR:?…}` has no value without the shell.
 */
function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{(\w+)(?::?([-?])([^}]*))?\}|\$(\w+)/g, (match, braced, kind, rest) => {
    if (match === '$$') return '$';
    if (kind === '?') throw new Error(`${match} needs a value from the shell`);
    if (braced !== undefined) return kind === '-' ? (rest as string) : '';
    return '';
  });
}

function environment(svc: Service): Record<string, string> {
  return Object.fromEntries(
    Object.entries(svc.environment ?? {}).map(([name, value]) => [name, interpolate(String(value ?? ''))]),
  );
}

/** What the container runs (entrypoint and command), as the shell inside it reads it. */
function script(svc: Service): string {
  const words = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return [...words(svc.entrypoint), ...words(svc.command)].join('\n').replaceAll('$$', '$');
}

/** The secrets mounted in a service: container path to the secret's name. */
function mountedSecrets(svc: Service): Map<string, string> {
  return new Map(
    (svc.secrets ?? []).map((s) =>
      typeof s === 'string' ? [`/run/secrets/${s}`, s] : [`/run/secrets/${s.target ?? s.source}`, s.source],
    ),
  );
}

/** Variables a service's shell sets from a secret file: `NAME=$(cat /run/secrets/…)`, then exported. */
function variablesFromSecrets(svc: Service): Map<string, string> {
  const text = script(svc);
  const found = new Map<string, string>();
  for (const [, name, path] of text.matchAll(/^\s*(\w+)=\$\(cat (\/run\/secrets\/[\w.-]+)\)\s*$/gm)) {
    if (new RegExp(`^\\s*export\\b[^\\n]*\\b${name}\\b`, 'm').test(text)) found.set(name!, path!);
  }
  return found;
}

/** Every variable a service's shell assigns and exports itself (from a secret, or computed). */
function variablesSetInScript(svc: Service): Set<string> {
  const text = script(svc);
  const exported = new Set([...text.matchAll(/^\s*export\s+([^\n]+)$/gm)].flatMap(([, names]) => names!.split(/\s+/)));
  return new Set([...text.matchAll(/^\s*(\w+)=/gm)].map(([, name]) => name!).filter((name) => exported.has(name)));
}

/** Where a container path comes from on the host, through the service's bind mounts. */
function hostPath(svc: Service, containerPath: string): { path: string; readOnly: boolean } | undefined {
  for (const volume of svc.volumes ?? []) {
    const [source, target, mode] = volume.split(':');
    if (!source?.startsWith('.') || !target) continue;
    if (containerPath === target || containerPath.startsWith(`${target}/`)) {
      return {
        path: posix.normalize(posix.join(source, containerPath.slice(target.length))),
        readOnly: mode?.split(',').includes('ro') ?? false,
      };
    }
  }
  return undefined;
}

/** The CLUSTER_* variables the server's configuration template reads, and the defaults it gives. */
const templateReads = new Set([...template.matchAll(/\benv "(CLUSTER_\w+)"/g)].map(([, name]) => name!));
const templateDefaults = new Map(
  [...template.matchAll(/default "([^"]*)" \(env "(CLUSTER_\w+)"\)/g)].map(([, value, name]) => [name!, value!]),
);
/** Read only to switch something on (`if env "X"`): unset is a valid choice. */
const templateOptional = new Set([...template.matchAll(/\{\{-?\s*if env "(CLUSTER_\w+)"/g)].map(([, name]) => name!));

// Stand-ins for the secret files, so that the configuration schema finds the files it is given.
const secretsDir = mkdtempSync(join(tmpdir(), 'compose-secrets-'));
afterAll(() => rmSync(secretsDir, { recursive: true, force: true }));
const SECRET_CONTENT: Record<string, string> = {
  'poortwachter-session-key': 'A'.repeat(43),
  'poortwachter-oidc-client-secret': 'client-secret',
};

/** A service's environment as its process sees it, with stand-ins for the secrets. */
function processEnvironment(svc: Service): Record<string, string> {
  const secrets = mountedSecrets(svc);
  const standIn = (path: string) => {
    const name = secrets.get(path);
    if (!name) throw new Error(`${path} is not a secret mounted in this service`);
    const file = join(secretsDir, name);
    writeFileSync(file, SECRET_CONTENT[name] ?? 'k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n');
    return file;
  };
  const env = Object.fromEntries(
    Object.entries(environment(svc)).map(([name, value]) => [
      name,
      value.startsWith('/run/secrets/') ? standIn(value) : value,
    ]),
  );
  for (const [name, path] of variablesFromSecrets(svc)) env[name] = readFileSync(standIn(path), 'utf8').trim();
  return env;
}

describe('docker-compose.yml', () => {
  const worker = service('worker');
  const http = service('service');
  const temporal = service('temporal');
  const schema = service('temporal-schema');
  const setup = service('temporal-setup');
  const postgresql = service('postgresql');

  it('has the stack docs/operations.md describes', () => {
    const names = Object.keys(compose.services).sort();
    expect(names).toEqual(
      [
        'mailpit',
        'postgresql',
        'service',
        'temporal',
        'temporal-schema',
        'temporal-setup',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    const operations = readFileSync(join(root, 'docs/operations.md'), 'utf8');
    const section = /^## docker-compose\n([\s\S]*?)(?=^## )/m.exec(operations)?.[1] ?? '';
    for (const name of names) expect(section, `docs/operations.md names ${name}`).toContain(`\`${name}\``);
    expect(worker.build).toBe('.');
    expect(http.build).toBe('.');
    expect(existsSync(join(root, 'Dockerfile'))).toBe(true);
  });

  it('runs the Temporal server, tools and Web UI that `npm run cluster` runs, not the deprecated auto-setup', () => {
    expect(temporal.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    const tools = Object.values(compose.services).filter((s) => s.image?.startsWith('temporalio/admin-tools:'));
    expect(tools.map((s) => s.image)).toEqual([
      `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`,
      `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`,
    ]);
    expect([schema.image, setup.image]).toEqual(tools.map((s) => s.image));
    expect(service('temporal-ui').image).toBe(`temporalio/ui:${TEMPORAL_UI_VERSION}`);
    expect(postgresql.image).toBe(`postgres:${POSTGRES_MAJOR}`);
    expect(composeText).not.toMatch(/temporalio\/auto-setup/);
  });

  it("starts the server on the cluster's own configuration (SERVER_CONFIG and its dynamic config), mounted read-only", () => {
    const configFile = /temporal-server\b.*--config-file\s+(\S+)/.exec(script(temporal))?.[1];
    expect(configFile, 'temporal-server --config-file …').toBeDefined();
    expect(hostPath(temporal, configFile!)).toEqual({ path: SERVER_CONFIG, readOnly: true });
    expect(template.split('\n', 1)[0]).toBe('# enable-template');

    // The template finds dynamicconfig.yaml in CLUSTER_DIR: set, it must lead to the mounted file.
    expect(template).toMatch(/filepath: "\{\{ default "[^"]*" \(env "CLUSTER_DIR"\) \}\}\/dynamicconfig\.yaml"/);
    const dir = environment(temporal).CLUSTER_DIR ?? templateDefaults.get('CLUSTER_DIR')!;
    const dynamicConfig = hostPath(temporal, `${dir}/dynamicconfig.yaml`);
    expect(dynamicConfig).toEqual({ path: 'cluster/dynamicconfig.yaml', readOnly: true });
    expect(existsSync(join(root, dynamicConfig!.path))).toBe(true);
  });

  it('sets the CLUSTER_* variables the configuration needs in a container, and only ones it reads', () => {
    expect(templateReads.size).toBeGreaterThan(5);
    const inEnvironment = new Set(Object.keys(environment(temporal)).filter((n) => n.startsWith('CLUSTER_')));
    const inScript = new Set([...variablesSetInScript(temporal)].filter((n) => n.startsWith('CLUSTER_')));
    const set = new Set([...inEnvironment, ...inScript]);

    const required = [...templateReads].filter((n) => !templateDefaults.has(n) && !templateOptional.has(n));
    expect(required.filter((n) => !set.has(n))).toEqual([]);
    // Every CLUSTER_* variable anywhere in the file is one the template reads.
    const everywhere = new Set([...composeText.matchAll(/\bCLUSTER_\w+/g)].map(([name]) => name));
    expect([...everywhere].filter((n) => !templateReads.has(n))).toEqual([]);

    // The defaults are for a machine's loopback; in compose each must point at the containers.
    const value = (n: string) => environment(temporal)[n] ?? templateDefaults.get(n);
    expect(compose.services[value('CLUSTER_PG_HOST')!]?.image).toMatch(/^postgres:/);
    expect(value('CLUSTER_PG_PORT')).toBe('5432');
    expect(value('CLUSTER_PG_USER')).toBe(environment(postgresql).POSTGRES_USER);
    // The password: the secret PostgreSQL was given.
    const password = variablesFromSecrets(temporal).get('CLUSTER_PG_PASSWORD');
    expect(password, 'CLUSTER_PG_PASSWORD from a secret').toBeDefined();
    expect(mountedSecrets(temporal).get(password!)).toBe(
      mountedSecrets(postgresql).get(environment(postgresql).POSTGRES_PASSWORD_FILE!),
    );
    // Bind and advertise the container's own address: not loopback (unreachable from the others),
    // not 0.0.0.0 (the membership ring would advertise it).
    expect(inEnvironment.has('CLUSTER_BIND_IP')).toBe(false);
    expect(script(temporal)).toMatch(/^\s*CLUSTER_BIND_IP=\$\(getent hosts "\$\(hostname\)"/m);
    // The ports the others use are the template's own: no offset.
    expect(set.has('CLUSTER_PORT_OFFSET')).toBe(false);
    expect(template).toMatch(/grpcPort: \{\{ add 7233 \$off \}\}/);
  });

  it('sets up the schema of the databases the server uses in a one-shot step before it starts', () => {
    const server = environment(temporal);
    const tool = environment(schema);
    for (const name of [
      'CLUSTER_PG_HOST',
      'CLUSTER_PG_PORT',
      'CLUSTER_PG_USER',
      'CLUSTER_DB',
      'CLUSTER_VISIBILITY_DB',
    ]) {
      expect(tool[name], name).toBe(server[name]);
    }
    const text = script(schema);
    expect(text).toMatch(
      /temporal-sql-tool --plugin postgres12 --ep "\$CLUSTER_PG_HOST" -p "\$CLUSTER_PG_PORT" -u "\$CLUSTER_PG_USER"/,
    );
    expect([...template.matchAll(/pluginName: "(\w+)"/g)].map(([, p]) => p)).toEqual(['postgres12', 'postgres12']);
    for (const [db, dir] of [
      ['CLUSTER_DB', 'temporal'],
      ['CLUSTER_VISIBILITY_DB', 'visibility'],
    ] as const) {
      expect(text).toContain(`--db "$${db}" create-database`);
      expect(text).toContain(`--db "$${db}" setup-schema -v 0.0`);
      expect(text).toContain(`--db "$${db}" update-schema -d /etc/temporal/schema/postgresql/v12/${dir}/versioned`);
    }
    expect(variablesFromSecrets(schema).has('SQL_PASSWORD')).toBe(true);

    const after = (svc: Service, other: string) =>
      Array.isArray(svc.depends_on) ? undefined : svc.depends_on?.[other]?.condition;
    expect(after(schema, 'postgresql')).toBe('service_healthy');
    expect(after(temporal, 'temporal-schema')).toBe('service_completed_successfully');
    expect(after(setup, 'temporal')).toBe('service_healthy');
    expect(after(worker, 'temporal-setup')).toBe('service_completed_successfully');
    expect(after(http, 'temporal-setup')).toBe('service_completed_successfully');
  });

  it('gives PostgreSQL room for the connection pools of the server', () => {
    const pools = [...template.matchAll(/^\s+maxConns: (\d+)$/gm)].reduce((sum, [, n]) => sum + Number(n), 0);
    const servicesInOneProcess = [...template.matchAll(/^\s+grpcPort: /gm)].length;
    const maxConnections = Number(/max_connections=(\d+)/.exec(script(postgresql))?.[1] ?? 100);
    expect(pools * servicesInOneProcess).toBeGreaterThan(0);
    expect(maxConnections).toBeGreaterThanOrEqual(pools * servicesInOneProcess + 10);
  });

  it('registers exactly the custom search attributes of the workflow, with their types, in its namespace', () => {
    const wanted = searchAttributeFlags().filter((flag) => flag !== '--search-attribute');
    expect(wanted).toHaveLength(SEARCH_ATTRIBUTES.length);
    const registered = (environment(setup).SEARCH_ATTRIBUTES ?? '').split(/\s+/).filter(Boolean);
    expect(registered.sort()).toEqual([...wanted].sort());
    const text = script(setup);
    expect(text).toMatch(/for attribute in \$SEARCH_ATTRIBUTES; do/);
    expect(text).toContain('search-attribute create --namespace "$TEMPORAL_NAMESPACE"');
    expect(text).toContain('namespace create --namespace "$TEMPORAL_NAMESPACE"');
    expect(environment(setup).TEMPORAL_NAMESPACE).toBe(environment(worker).TEMPORAL_NAMESPACE);
    expect(environment(setup).TEMPORAL_NAMESPACE).toBe(environment(http).TEMPORAL_NAMESPACE);
    // Done when a visibility query on every attribute is accepted, as `npm run cluster` waits.
    expect(text).toContain('query="${query:+$query AND }${attribute%%=*} IS NULL"');
    expect(text).toMatch(/retry temporal workflow count --namespace "\$TEMPORAL_NAMESPACE" --query "\$query"/);
  });

  it('creates the namespace with the retention `npm run cluster` gives it', () => {
    expect(environment(setup).NAMESPACE_RETENTION).toBe(`${NAMESPACE_RETENTION_DAYS * 24}h`);
    expect(script(setup)).toContain(
      'namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$NAMESPACE_RETENTION"',
    );
  });

  it("shows payloads in the Web UI through the service's /codec, which answers the Web UI's origin", () => {
    const ui = environment(service('temporal-ui'));
    const config = loadConfig(processEnvironment(http));
    expect(ui.TEMPORAL_CODEC_ENDPOINT).toBe(`${config.publicUrl}/codec`);
    expect(ui.TEMPORAL_CODEC_INCLUDE_CREDENTIALS).toBe('true');
    expect(config.webUiOrigin).toBe(ui.TEMPORAL_CORS_ORIGINS);
    const published = (service('temporal-ui').ports ?? []).map((p) => String(p).split(':').at(-2));
    expect(published).toContain(new URL(config.webUiOrigin!).port);
  });

  it('gives the worker only variables the config schema knows, and values it accepts', () => {
    expect(script(worker)).toMatch(/^node\nbin\/poortwachter\.js\nworker$/);
    const env = processEnvironment(worker);
    expect(Object.keys(env).filter((name) => !ENV_VARIABLES.includes(name))).toEqual([]);
    const config = loadConfig(env);
    expect(config.temporalAddress).toBe('temporal:7233');
    expect(config.smtpUrl).toBe('smtp://mailpit:1025');
    // Every worker encrypts payloads: the keys come from a secret file.
    expect(config.keys.file).toBeDefined();
    expect(config.keys.inline).toBeUndefined();
  });

  it('gives the HTTP service only variables the config schema knows, and values it accepts', () => {
    expect(script(http)).toMatch(/^\s*exec node bin\/poortwachter\.js serve$/m);
    const env = processEnvironment(http);
    expect(Object.keys(env).filter((name) => !ENV_VARIABLES.includes(name))).toEqual([]);
    const config = loadConfig(env);
    expect(config.temporalAddress).toBe('temporal:7233');
    expect(config.keys.file).toBeDefined();
    expect(config.http.host).toBe('0.0.0.0');
    // The container port published is the one the service listens on.
    for (const port of http.ports ?? []) expect(String(port).split(':').at(-1)).toBe(String(config.http.port));
    // The e-mails' links (worker) and the login's callback (service) lead to the same place.
    expect(loadConfig(processEnvironment(worker)).publicUrl).toBe(config.publicUrl);
    // With login on (issuer and client id from the shell), the secrets complete what it needs.
    const login = loadConfig({
      ...env,
      POORTWACHTER_OIDC_ISSUER: 'https://login.arbo.example',
      POORTWACHTER_OIDC_CLIENT_ID: 'poortwachter',
    });
    expect(login.oidc).toMatchObject({ clientSecret: 'client-secret', sessionKey: 'A'.repeat(43) });
  });

  it('passes the keys and passwords as secrets, never as values in the file or the environment', () => {
    expect(composeText).not.toMatch(/POORTWACHTER_KEYS(?!_FILE)/);
    const secretName = /(^|_)(KEYS?|PASSWORD|PWD|SECRET|TOKEN|API_KEY|SESSION_KEY)$/;
    for (const [name, svc] of Object.entries(compose.services)) {
      const env = environment(svc);
      expect(
        Object.keys(env).filter((n) => secretName.test(n)),
        `${name}: secret variables`,
      ).toEqual([]);
      expect(
        Object.values(env).filter((v) => /:\/\/[^/@\s]+:[^/@\s]*@/.test(v)),
        `${name}: credentials in URLs`,
      ).toEqual([]);
      const mounted = mountedSecrets(svc);
      for (const [variable, value] of Object.entries(env)) {
        if (value.startsWith('/run/secrets/')) expect(mounted.has(value), `${name}: ${variable}`).toBe(true);
      }
      for (const [variable, path] of variablesFromSecrets(svc)) {
        expect(mounted.has(path), `${name}: ${variable} from ${path}`).toBe(true);
      }
      for (const secret of mounted.values()) expect(compose.secrets?.[secret]?.file, secret).toBeDefined();
    }
    for (const svc of [worker, http]) {
      const keys = environment(svc).POORTWACHTER_KEYS_FILE;
      expect(mountedSecrets(svc).get(keys ?? '')).toBe('poortwachter-keys');
    }
    expect(environment(postgresql).POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres-password');
    expect([...variablesFromSecrets(http).keys()].sort()).toEqual([
      'POORTWACHTER_OIDC_CLIENT_SECRET',
      'POORTWACHTER_SESSION_KEY',
    ]);
  });

  it('lets the worker and the service scale: no fixed container name, no fixed host port', () => {
    for (const svc of [worker, http]) expect(svc.container_name).toBeUndefined();
    expect(worker.ports ?? []).toEqual([]);
    expect(http.ports?.length).toBeGreaterThan(0);
    for (const port of http.ports ?? []) {
      const parts = String(port).split(':');
      const hostPort = parts.length > 1 ? parts.at(-2)! : undefined;
      expect(hostPort === undefined || /^\d+-\d+$/.test(hostPort), `service port ${port}`).toBe(true);
    }
  });

  it('checks the health of what serves, on what it really serves', () => {
    for (const svc of [postgresql, temporal, http]) {
      expect(svc.healthcheck?.test).toBeDefined();
      expect(svc.healthcheck?.disable).not.toBe(true);
    }
    expect(String(postgresql.healthcheck?.test)).toContain('pg_isready');
    expect(String(temporal.healthcheck?.test)).toMatch(/nc -z .* 7233/);
    const probe = (http.healthcheck?.test as string[]).join(' ');
    expect(probe).toContain('process.env.POORTWACHTER_HTTP_PORT');
    const path = /'(\/[\w/.-]+)'/.exec(probe)?.[1];
    expect(path).toBe('/api/openapi.json');
    // A route the service answers without credentials.
    expect(readFileSync(join(root, 'service/app.ts'), 'utf8')).toMatch(
      new RegExp(`app\\.get\\('${path!.replaceAll('.', '\\.')}', \\{ schema: \\{ hide: true \\} \\}`),
    );
  });

  it('builds the images from folders that exist', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) {
      expect(existsSync(join(root, source!)), `Dockerfile copies ${source}`).toBe(true);
    }
  });
});
