// Logging in on a local stack (`poortwachter dev`, `npm run cluster`): a real OpenID provider on
// loopback with the dev users, and the secrets a local stack keeps in its data folder (mode 0600,
// git-ignored). Never used against a configured identity provider.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../runtime/config.js';
import { createKey, readKeysFile } from '../../service/api-keys.js';
import { generateSessionKey } from '../../service/session.js';
import { startIdentityProvider, type RunningIdentityProvider } from './identity-provider.js';

export interface DevLogin {
  idp: RunningIdentityProvider;
  /** The configuration with the provider's login (oidc) and access tokens (tokens) filled in. */
  config: Config;
  /** Where the `dev-system` client's secret is (client credentials, every scope). */
  systemSecretFile: string;
}

/**
 * People log in as the dev users, through a real OpenID provider on loopback (a free port). The
 * client secret is new each start; the session key is kept, so a restart keeps people logged in. A
 * system may also come with an access token: the client `dev-system` (client credentials, every
 * scope, its secret in the data folder) gets one for this service.
 */
export async function startDevLogin(config: Config, dataDir: string): Promise<DevLogin> {
  const clientSecret = randomBytes(24).toString('base64url');
  const systemSecretFile = join(dataDir, 'dev-system-secret');
  const systemSecret = await ensureDevSecret(dataDir, 'dev-system-secret');
  const idp = await startIdentityProvider({
    port: 0,
    resource: config.publicUrl,
    clients: [
      { clientId: 'poortwachter-dev', clientSecret, redirectUris: [`${config.publicUrl}/auth/callback`] },
      { clientId: 'dev-system', clientSecret: systemSecret, grantTypes: ['client_credentials'] },
    ],
  });
  return {
    idp,
    systemSecretFile,
    config: {
      ...config,
      oidc: {
        issuer: idp.issuer,
        clientId: 'poortwachter-dev',
        clientSecret,
        scopes: 'openid profile email',
        sessionKey: await ensureDevSecret(dataDir, 'session-key', generateSessionKey),
      },
      tokens: config.tokens ?? { issuer: idp.issuer, audience: config.publicUrl, jwksUrl: undefined, typ: 'at+jwt' },
    },
  };
}

/** A dev secret in the data folder (mode 0600, git-ignored), made on first use and kept. */
export async function ensureDevSecret(
  dataDir: string,
  name: string,
  make = () => randomBytes(24).toString('base64url'),
): Promise<string> {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  await mkdir(dataDir, { recursive: true });
  const secret = make();
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * On a local stack, a first API key with every scope, so that the API can be tried at once: made
 * when the keys file holds none, and kept in plain text in the data folder (mode 0600, git-ignored),
 * like the dev payload key. Never against a configured cluster.
 */
export async function ensureDevApiKey(config: Config, dataDir: string): Promise<string> {
  const file = join(dataDir, 'dev-api-key');
  if (readKeysFile(config.apiKeysFile).length === 0 || !existsSync(file)) {
    const { key } = await createKey(config.apiKeysFile, {
      name: 'dev',
      scopes: ['cases:read', 'cases:write', 'events:write', 'audit:export'],
    });
    await writeFile(file, `${key}\n`, { mode: 0o600 });
  }
  return file;
}
