// A person's login session, kept by their browser: an encrypted cookie (JWE, `dir` + A256GCM, with the
// service's session key), httpOnly and SameSite=Lax, so that the service keeps nothing between
// requests and any number of them can answer. It holds who the person is (their identity from the
// identity provider's claims) and the token the person's forms send back against cross-site requests.
import { randomBytes } from 'node:crypto';
import { EncryptJWT, jwtDecrypt, base64url } from 'jose';
import type { Identity } from './identity.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'pw_session';
/** The cookie of a login under way (state, nonce, PKCE verifier), for the callback only. */
export const LOGIN_COOKIE = 'pw_login';
/** A working day: the session then ends, and the person logs in again. */
export const SESSION_SECONDS = 10 * 60 * 60;
const LOGIN_SECONDS = 10 * 60;

export interface Session {
  identity: Identity;
  /** Sent back by the person's forms and scripts (`x-csrf-token`, or the form field `_csrf`). */
  csrf: string;
}

export interface LoginTransaction {
  state: string;
  nonce: string;
  verifier: string;
  /** Where to go after the login: a path of this service. */
  returnTo: string;
}

/** A session key (32 random bytes, base64url), as POORTWACHTER_SESSION_KEY holds it. */
export function generateSessionKey(): string {
  return randomBytes(32).toString('base64url');
}

export class SessionKeyError extends Error {
  override name = 'SessionKeyError';
}

/** Seals and opens the cookies with one key. */
export class SessionSealer {
  private readonly key: Uint8Array;

  constructor(keyText: string) {
    const key = base64url.decode(keyText.trim());
    if (key.length !== 32)
      throw new SessionKeyError(
        `a session key is 32 bytes in base64url (43 characters); this one is ${key.length} bytes`,
      );
    this.key = key;
  }

  private seal(payload: Record<string, unknown>, seconds: number, purpose: string): Promise<string> {
    return new EncryptJWT(payload)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setAudience(purpose)
      .setIssuedAt()
      .setExpirationTime(`${seconds}s`)
      .encrypt(this.key);
  }

  private async open(token: string | undefined, purpose: string): Promise<Record<string, unknown> | undefined> {
    if (!token) return undefined;
    try {
      const { payload } = await jwtDecrypt(token, this.key, { audience: purpose });
      return payload;
    } catch {
      return undefined; // expired, or sealed with another key: no session
    }
  }

  sealSession(session: Session): Promise<string> {
    return this.seal({ ...session }, SESSION_SECONDS, 'session');
  }

  async openSession(token: string | undefined): Promise<Session | undefined> {
    const payload = await this.open(token, 'session');
    if (!payload || typeof payload.csrf !== 'string' || typeof payload.identity !== 'object') return undefined;
    return { identity: payload.identity as Identity, csrf: payload.csrf };
  }

  sealLogin(login: LoginTransaction): Promise<string> {
    return this.seal({ ...login }, LOGIN_SECONDS, 'login');
  }

  async openLogin(token: string | undefined): Promise<LoginTransaction | undefined> {
    const payload = await this.open(token, 'login');
    if (!payload) return undefined;
    const { state, nonce, verifier, returnTo } = payload;
    if ([state, nonce, verifier, returnTo].some((v) => typeof v !== 'string')) return undefined;
    return payload as unknown as LoginTransaction;
  }
}

/** A fresh token against cross-site requests. */
export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}
