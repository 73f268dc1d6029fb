// Access tokens of the arbodienst's identity provider: a system that gets one with OAuth2 client
// credentials (or the Temporal Web UI passing a logged-in person's token along) sends it as
// `Authorization: Bearer <JWT>`. The token is checked against the provider's published keys (JWKS,
// found through its discovery document unless configured), its type (`at+jwt`, RFC 9068, so that an
// ID token is never taken for an access token), its issuer, this service as audience and its expiry;
// then identity.ts reads who it is. Nothing is stored: the keys are cached by jose.
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { identityFromAccessToken, type ClaimMapping, type Identity } from './identity.js';

export interface TokenSettings {
  /** The `iss` the tokens must carry. */
  issuer: string;
  /** The `aud` the tokens must carry: this service's identifier at the provider. */
  audience: string;
  /** The provider's JWKS; default: the `jwks_uri` of its discovery document. */
  jwksUrl?: string;
  /**
   * The header `typ` an access token must carry: `at+jwt` (RFC 9068, the default), or `any` for a
   * provider that does not mark its access tokens (then the audience alone tells them from ID tokens).
   */
  typ?: 'at+jwt' | 'any';
  claims: ClaimMapping;
}

/** A token refused, with the reason for the service's log (the caller is told only that it is not valid). */
export class TokenRefused extends Error {}

/** The provider's keys could not be read: not the token's fault (the caller is told to try later). */
export class ProviderUnavailable extends Error {}

/** Signatures with a public key only: a shared-secret algorithm would let anyone with the secret sign. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** A bearer value that looks like a JWT (three base64url parts), as opposed to an API key. */
export const looksLikeJwt = (value: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value);

export class AccessTokens {
  private keys: Promise<JWTVerifyGetKey> | undefined;

  constructor(private readonly settings: TokenSettings) {}

  async verify(token: string): Promise<Identity> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await this.jwks(), {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALGORITHMS,
        ...((this.settings.typ ?? 'at+jwt') === 'at+jwt' && { typ: 'at+jwt' }),
        requiredClaims: ['exp'],
        clockTolerance: 30,
      }));
    } catch (err) {
      if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError))
        throw new ProviderUnavailable(`the provider's keys could not be read: ${(err as Error).message}`);
      throw new TokenRefused(`${err.code}: ${err.message}`);
    }
    const identity = identityFromAccessToken(payload, this.settings.claims);
    if (!identity) throw new TokenRefused('the token names neither a subject nor a client');
    return identity;
  }

  /** The key set, found once (and found again after a failure: the provider may start after us). */
  private jwks(): Promise<JWTVerifyGetKey> {
    this.keys ??= this.findJwksUrl().then(
      (url) => createRemoteJWKSet(new URL(url)),
      (err: unknown) => {
        this.keys = undefined;
        throw err;
      },
    );
    return this.keys;
  }

  private async findJwksUrl(): Promise<string> {
    if (this.settings.jwksUrl) return this.settings.jwksUrl;
    const discovery = `${this.settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const res = await fetch(discovery, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`${discovery} answered ${res.status}`);
    const { jwks_uri } = (await res.json()) as { jwks_uri?: unknown };
    if (typeof jwks_uri !== 'string') throw new Error(`${discovery} names no jwks_uri`);
    return jwks_uri;
  }
}
