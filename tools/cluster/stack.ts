// `npm run cluster` (`poortwachter cluster`): the production topology on this machine. PostgreSQL 15
// and the Temporal server built from its Go module (cluster.ts), then what a deployment scales out:
// two worker processes and two instances of the HTTP service, each a `poortwachter worker` or
// `poortwachter serve` process configured by the same variables as production; with the mail
// catcher, a local OpenID provider and the Temporal Web UI. Ctrl-C stops everything in order: the
// service instances and the workers first (so no task is cut off), then the rest, the server, and
// PostgreSQL last.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { devKeyFile, ensureDevKeyFile, parseKeyring } from '../../runtime/codec.js';
import type { Config } from '../../runtime/config.js';
import { projectRoot } from '../../runtime/project.js';
import { shutdownSignal } from '../../worker/main.js';
import { ensureDevApiKey, startDevLogin } from '../dev/dev-login.js';
import { DEV_USERS_FILE } from '../dev/identity-provider.js';
import { startMailCatcher, type MailCatcher } from '../dev/mail-catcher.js';
import { startCluster, type Cluster } from './cluster.js';
import { startProcess, type ManagedProcess } from './process.js';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from './versions.js';

/** How many of each a deployment runs at least: two, so that losing one is survivable. */
const WORKERS = 2;
const SERVICES = 2;
const DEFAULT_POSTGRES_PORT = 55432;

/** The frontend's port from TEMPORAL_ADDRESS (a loopback address: the cluster runs here). */
function frontendPort(config: Config): number {
  if (!config.temporalAddress) return 7233;
  const match = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(config.temporalAddress);
  if (!match) {
    throw new Error(
      `TEMPORAL_ADDRESS=${config.temporalAddress}: \`cluster\` starts the server on this machine, so the address must be 127.0.0.1:<port> (or unset: 7233)`,
    );
  }
  return Number(match[2]);
}

export async function runCluster(config: Config, logger: Logger, print: (text: string) => void): Promise<void> {
  // A third Ctrl-C exits at once; the processes started here are then killed (process.ts, postgres.ts).
  const stop = shutdownSignal(() => print('Press Ctrl-C once more to stop at once.\n'));
  void stop.then(() =>
    print('Stopping cleanly (services, workers, Web UI, mail, server, PostgreSQL) once everything has started.\n'),
  );
  const dataDir = resolve(config.dataDir, 'cluster');
  const port = frontendPort(config);
  const address = `127.0.0.1:${port}`;
  const postgresPort = Number(process.env.CLUSTER_PG_PORT ?? DEFAULT_POSTGRES_PORT);
  const workers: ManagedProcess[] = [];
  const services: ManagedProcess[] = [];
  let ui: ManagedProcess | undefined;
  let stopping = false;
  let cluster: Cluster | undefined;
  let mail: MailCatcher | undefined;
  let idp: { close(): Promise<void> } | undefined;
  const say = (line: string) => logger.info(line);
  try {
    cluster = await startCluster({
      dataDir,
      portOffset: port - 7233,
      postgresPort,
      namespace: config.namespace,
      log: say,
    });

    // The payload keys: the configured ones, else a local key file of the cluster's own (as `dev` makes).
    const keyEnv: Record<string, string> = config.keys.inline
      ? { POORTWACHTER_KEYS: config.keys.inline }
      : { POORTWACHTER_KEYS_FILE: config.keys.file ?? devKeyFile(dataDir) };
    if (!config.keys.inline && !config.keys.file && (await ensureDevKeyFile(dataDir))) {
      say(`created a local payload encryption key: ${devKeyFile(dataDir)}`);
    }
    // Refused here, clearly, rather than by each process: a missing or malformed key file.
    parseKeyring(keyEnv.POORTWACHTER_KEYS ?? readFileSync(keyEnv.POORTWACHTER_KEYS_FILE!, 'utf8'), 'the payload keys');

    if (!config.smtpUrlExplicit) {
      mail = await startMailCatcher({ dataDir, smtpPort: config.ports.mailSmtp, webPort: config.ports.mailWeb });
    }
    const smtpUrl = mail?.smtpUrl ?? config.smtpUrl;
    // Every instance of the service behind one public address, as behind a load balancer: the same
    // login client and session key, so a session made on one is valid on the other.
    let serviceConfig = config;
    if (!config.oidc) {
      const login = await startDevLogin(config, dataDir);
      idp = login.idp;
      serviceConfig = login.config;
    }
    const devApiKey = await ensureDevApiKey(config, dataDir);
    const common: Record<string, string> = {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: config.namespace,
      TEMPORAL_TASK_QUEUE: config.taskQueue,
      SMTP_URL: smtpUrl,
      POORTWACHTER_DATA_DIR: dataDir,
      POORTWACHTER_API_KEYS_FILE: config.apiKeysFile,
      POORTWACHTER_PUBLIC_URL: config.publicUrl,
      LOG_FORMAT: 'json',
      // Their logs go to files; info, as the supervisor waits for the workers' "worker started".
      LOG_LEVEL: 'info',
      ...keyEnv,
      ...(serviceConfig.oidc && {
        POORTWACHTER_OIDC_ISSUER: serviceConfig.oidc.issuer,
        POORTWACHTER_OIDC_CLIENT_ID: serviceConfig.oidc.clientId,
        POORTWACHTER_OIDC_CLIENT_SECRET: serviceConfig.oidc.clientSecret,
        POORTWACHTER_SESSION_KEY: serviceConfig.oidc.sessionKey,
      }),
      ...(serviceConfig.tokens && {
        POORTWACHTER_TOKEN_ISSUER: serviceConfig.tokens.issuer,
        POORTWACHTER_TOKEN_AUDIENCE: serviceConfig.tokens.audience,
      }),
    };
    const node = (name: string, args: string[], env: Record<string, string>) =>
      startProcess({
        name,
        file: process.execPath,
        args: [join(projectRoot, 'bin', 'poortwachter.js'), ...args],
        env: { ...process.env, ...common, ...env },
        logFile: join(dataDir, 'logs', `${name}.log`),
      });

    for (let i = 1; i <= WORKERS; i++) workers.push(await node(`worker-${i}`, ['worker'], {}));
    await Promise.all(workers.map((w) => w.waitForLine(/"msg":"worker started"/, 120_000)));
    const servicePorts = Array.from({ length: SERVICES }, (_, i) => config.http.port + i);
    for (const [i, p] of servicePorts.entries()) {
      services.push(await node(`service-${i + 1}`, ['serve'], { POORTWACHTER_HTTP_PORT: String(p) }));
    }
    await Promise.all(services.map((s) => s.waitForLine(/^poortwachter serve: /, 60_000)));

    const uiOrigin = `http://localhost:${config.ports.temporalUi}`;
    ui = await startProcess({
      name: 'web-ui',
      file: cluster.binaries.ui,
      args: ['--root', join(projectRoot, 'cluster'), '--config', 'ui', '--env', 'cluster', 'start'],
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_UI_PORT: String(config.ports.temporalUi),
        TEMPORAL_UI_ORIGIN: uiOrigin,
        POORTWACHTER_CODEC_ENDPOINT: `${config.publicUrl}/codec`,
      },
      logFile: join(dataDir, 'logs', 'web-ui.log'),
    });
    await ui.waitForLine(/http server started|⇨/, 60_000);

    print(
      [
        '',
        `poortwachter cluster is running (Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL, Web UI ${TEMPORAL_UI_VERSION}):`,
        `  Temporal server   ${address}   (PostgreSQL 127.0.0.1:${postgresPort}, data ${join(dataDir, 'pg')})`,
        `  Temporal Web UI   ${uiOrigin}`,
        `  Workers           ${workers.map((w) => `${w.name} (pid ${w.pid})`).join(', ')} on task queue ${config.taskQueue}`,
        `  HTTP service      ${servicePorts.map((p) => `http://localhost:${p}`).join(', ')}   (public URL ${config.publicUrl})`,
        `  Dev API key       ${devApiKey}`,
        ...(idp ? [`  Log in            ${config.publicUrl}/auth/login   (dev users: ${DEV_USERS_FILE})`] : []),
        mail ? `  Mail inbox        ${mail.inboxUrl}   (SMTP ${mail.smtpUrl})` : `  Mail server       ${smtpUrl}`,
        `  Logs              ${join(dataDir, 'logs')}`,
        '',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    // A part that ends on its own is reported (the others keep running, as in a real deployment).
    for (const child of [...workers, ...services, ui]) {
      void child.exited.then((code) => {
        if (!stopping) logger.error({ process: child.name, exit: code }, `${child.name} ended: see its log`);
      });
    }
    await stop;
  } finally {
    stopping = true;
    // Services and workers first, in parallel (a worker drains its tasks), then the Web UI.
    await Promise.all([...services, ...workers].map((c) => c.stop()));
    await ui?.stop();
    await idp?.close();
    await mail?.stop();
    await cluster?.stop();
    logger.info('cluster stopped');
  }
}
