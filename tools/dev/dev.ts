// `poortwachter dev` (and `npm run dev`): the whole stack on one machine. The embedded Temporal
// dev server (unless TEMPORAL_ADDRESS names a cluster), a mail catcher with a web inbox (unless
// SMTP_URL names a mail server), a local OpenID provider with the dev users (unless
// POORTWACHTER_OIDC_ISSUER names one), the HTTP service, and the worker in this process. Ctrl-C stops
// them in order: worker first (so no task is cut off), then the service, the others, the server.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { devKeyFile, ensureDevKeyFile, loadKeyring } from '../../runtime/codec.js';
import type { Config } from '../../runtime/config.js';
import { startDevServer, type DevServer } from './dev-server.js';
import { startMailCatcher, type MailCatcher } from './mail-catcher.js';
import { runWorker, shutdownSignal } from '../../worker/main.js';
import { startService, type RunningService } from '../../service/main.js';
import { ensureDevApiKey, startDevLogin } from './dev-login.js';
import { DEV_USERS_FILE, type RunningIdentityProvider } from './identity-provider.js';

export async function runDev(config: Config, logger: Logger, print: (text: string) => void): Promise<void> {
  const stop = shutdownSignal(() =>
    print(
      'Stopping cleanly (worker, HTTP service, mail inbox, then the server); press Ctrl-C once more to stop at once.\n',
    ),
  );
  const dataDir = resolve(config.dataDir);
  let server: DevServer | undefined;
  let mail: MailCatcher | undefined;
  let service: RunningService | undefined;
  let idp: RunningIdentityProvider | undefined;
  try {
    if (!config.temporalAddress) {
      logger.info({ dataDir }, 'starting the Temporal dev server');
      server = await startDevServer({
        dataDir,
        port: config.ports.temporal,
        uiPort: config.ports.temporalUi,
        namespace: config.namespace,
        logger,
        // The UI asks the service to decrypt; a beheerder or auditor logged in there sees the cases.
        uiCodecEndpoint: `${config.publicUrl}/codec`,
      });
    }
    // Payload encryption needs a key: on the local stack, without configured keys, `dev` makes one
    // (.data/keys.json, mode 0600, git-ignored). Lose it and the local cases can no longer be read.
    let keys = config.keys.file ?? (config.keys.inline ? 'POORTWACHTER_KEYS' : undefined);
    if (!keys && !config.temporalAddress) {
      await mkdir(dataDir, { recursive: true });
      const created = await ensureDevKeyFile(dataDir);
      keys = `${devKeyFile(dataDir)}${created ? ' (created now)' : ''}`;
      if (created) logger.info({ file: devKeyFile(dataDir) }, 'created a local payload encryption key');
    }
    loadKeyring(config); // fails early and clearly on a missing or malformed key file
    if (!config.smtpUrlExplicit) {
      mail = await startMailCatcher({ dataDir, smtpPort: config.ports.mailSmtp, webPort: config.ports.mailWeb });
    }
    const devKey = config.temporalAddress ? undefined : await ensureDevApiKey(config, dataDir);
    let devSystem: { secretFile: string } | undefined;
    if (!config.oidc) {
      const login = await startDevLogin(config, dataDir);
      ({ idp, config } = login);
      devSystem = { secretFile: login.systemSecretFile };
    }
    // The dev Web UI's pages may ask the service to decrypt.
    if (server) config = { ...config, webUiOrigin: config.webUiOrigin ?? new URL(server.uiUrl).origin };
    service = await startService(config, logger);
    const temporal = server ? server.address : `${config.temporalAddress} (configured cluster)`;
    print(
      [
        '',
        'poortwachter dev is running:',
        `  Temporal server   ${temporal}`,
        ...(server ? [`  Temporal Web UI   ${server.uiUrl}`, `  Case data         ${server.databaseFile}`] : []),
        mail
          ? `  Mail inbox        ${mail.inboxUrl}   (SMTP ${mail.smtpUrl})`
          : `  Mail server       ${config.smtpUrl}`,
        `  HTTP API          ${service.url}/api/v1   (browse: ${service.url}/api/docs)`,
        ...(devKey ? [`  Dev API key       ${devKey}   (curl -H "Authorization: Bearer $(cat ${devKey})" …)`] : []),
        `  Pages             ${config.publicUrl}/taken   (Mijn taken, Zaken; in Dutch)`,
        `  Log in            ${config.publicUrl}/auth/login   (${idp ? `dev users: ${DEV_USERS_FILE}` : config.oidc?.issuer})`,
        ...(idp && devSystem
          ? [`  Access tokens     ${idp.issuer}/token   (client dev-system, secret in ${devSystem.secretFile})`]
          : []),
        ...(server
          ? [
              `  Decrypted in UI   log in as beheer@arbo.example or audit@arbo.example, then tick "Include`,
              `                    cross-origin credentials" in the Web UI's codec settings (once per browser)`,
            ]
          : []),
        `  Task queue        ${config.taskQueue} in namespace ${config.namespace}`,
        `  Encryption keys   ${keys ?? 'none configured'}`,
        '',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    await runWorker(config, logger, stop);
  } finally {
    await service?.close();
    await idp?.close();
    await mail?.stop();
    await server?.stop();
    logger.info('dev stack stopped');
  }
}
