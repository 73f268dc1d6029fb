// The service's login as the tests set it up: the service a client of the local OpenID provider
// (tools/dev/identity-provider.ts), with the default claim mapping and a session key of its own.
import { DEFAULT_CLAIM_MAPPING } from '../../service/identity.js';
import type { LoginSettings } from '../../service/login.js';
import { generateSessionKey, SessionSealer } from '../../service/session.js';

const CLIENT = { clientId: 'poortwachter', clientSecret: 'test-secret' };

/** The provider's registration of the service at `base` (its callback). */
export const serviceClient = (base: string) => ({ ...CLIENT, redirectUris: [`${base}/auth/callback`] });

/** The service's login settings against the provider at `issuer`; share `sealer` to share sessions. */
export function loginSettings(
  issuer: string,
  base: string,
  sealer = new SessionSealer(generateSessionKey()),
): LoginSettings {
  return { issuer, ...CLIENT, publicUrl: base, scopes: 'openid profile email', claims: DEFAULT_CLAIM_MAPPING, sealer };
}
