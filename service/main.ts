// `poortwachter serve` (and the service inside `dev`): the HTTP service on the configured address,
// with a Temporal client of its own, until it is stopped.
import { EncryptionCodec, loadKeyring } from '../runtime/codec.js';
import { loadMedicalTerms } from '../runtime/medical-terms-config.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { connectClient } from '../runtime/connection.js';
import { ConfigError, type Config } from '../runtime/config.js';
import { projectRoot } from '../runtime/project.js';
import { openAccessLog } from './access-log.js';
import { ApiKeys } from './api-keys.js';
import { buildService } from './app.js';
import { DEFAULT_CLAIM_MAPPING, parseRoleMapping, type ClaimMapping } from './identity.js';
import type { LoginSettings } from './login.js';
import { SessionSealer } from './session.js';

/** How claims become roles; a bad role mapping is named with its variable. */
function claimMapping(config: Config): ClaimMapping {
  const { roles, ...claims } = config.claims;
  if (!roles) return { ...claims, roles: DEFAULT_CLAIM_MAPPING.roles };
  try {
    return { ...claims, roles: parseRoleMapping(roles) };
  } catch (err) {
    throw new ConfigError([{ variable: 'POORTWACHTER_OIDC_ROLES', message: (err as Error).message }]);
  }
}

/** The login settings from the configuration. */
function loginSettings(config: Config): LoginSettings | undefined {
  const oidc = config.oidc;
  if (!oidc) return undefined;
  return {
    issuer: oidc.issuer,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret,
    publicUrl: config.publicUrl,
    scopes: oidc.scopes,
    claims: claimMapping(config),
    sealer: new SessionSealer(oidc.sessionKey),
  };
}

export interface RunningService {
  url: string;
  close(): Promise<void>;
}

export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const login = loginSettings(config);
  const client = await connectClient(config);
  const accessLog = openAccessLog(config.accessLog);
  const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  // The audit bundles' signing key, as `poortwachter audit export` takes it (a PEM file).
  const signingKeyFile = process.env.POORTWACHTER_AUDIT_SIGNING_KEY;
  const signingKeyPem = signingKeyFile ? readFileSync(signingKeyFile, 'utf8') : undefined;
  const app = await buildService({
    cases: { client, taskQueue: config.taskQueue, medicalTerms: loadMedicalTerms(config.medicalTermsFile) },
    keys: new ApiKeys(config.apiKeysFile),
    displayCodecs: [new EncryptionCodec(loadKeyring(config), 'pass')],
    accessLog,
    version,
    ...(signingKeyPem && { signingKeyPem }),
    ...(login && { login }),
    ...(config.webUiOrigin && { webUiOrigin: config.webUiOrigin }),
    ...(config.tokens && {
      tokens: {
        issuer: config.tokens.issuer,
        audience: config.tokens.audience,
        ...(config.tokens.jwksUrl && { jwksUrl: config.tokens.jwksUrl }),
        typ: config.tokens.typ,
        claims: claimMapping(config),
      },
    }),
    logger: logger.child({ component: 'http' }),
  });
  try {
    await app.listen({ host: config.http.host, port: config.http.port });
  } catch (err) {
    await app.close();
    await accessLog.close();
    await client.connection.close();
    const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new Error(
      inUse
        ? `port ${config.http.port} is already in use: stop what uses it, or choose another with POORTWACHTER_HTTP_PORT`
        : `the HTTP service could not listen on ${config.http.host}:${config.http.port}: ${(err as Error).message}`,
    );
  }
  const host = config.http.host === '0.0.0.0' || config.http.host === '127.0.0.1' ? 'localhost' : config.http.host;
  return {
    url: `http://${host}:${config.http.port}`,
    async close() {
      await app.close();
      await accessLog.close();
      await client.connection.close();
    },
  };
}
