// People log in through the arbodienst's identity provider: OpenID Connect, authorization code with
// PKCE (openid-client). GET /auth/login sends the browser to the provider with a sealed cookie of the
// login under way; GET /auth/callback checks the answer (state, nonce, PKCE, the ID token's signature)
// and sets the session cookie; GET /auth/me says who is logged in (and the token their changes send);
// POST /auth/logout ends the session. The roles come from the ID token's claims (identity.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { Problem, PROBLEM, problemResponses, sendsSessionToken } from './http.js';
import { meSchema } from './schemas.js';
import { identityFromClaims, type ClaimMapping } from './identity.js';
import { LOGIN_COOKIE, newCsrfToken, SESSION_COOKIE, SESSION_SECONDS, type SessionSealer } from './session.js';

export interface LoginSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** This service as the browser reaches it (the callback is `<publicUrl>/auth/callback`). */
  publicUrl: string;
  scopes: string;
  claims: ClaimMapping;
  sealer: SessionSealer;
}

/** Plain http is accepted from a provider on this machine only (the dev and test provider). */
function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** The provider's configuration, discovered on first use (the provider may start after the service). */
function providerConfiguration(settings: LoginSettings): () => Promise<oidc.Configuration> {
  let found: Promise<oidc.Configuration> | undefined;
  return () => {
    found ??= (async () => {
      const issuer = new URL(settings.issuer);
      return oidc.discovery(
        issuer,
        settings.clientId,
        { client_secret: settings.clientSecret },
        oidc.ClientSecretBasic(settings.clientSecret),
        isLoopback(issuer) ? { execute: [oidc.allowInsecureRequests] } : {},
      );
    })().catch((err: unknown) => {
      found = undefined; // try again on the next login
      throw new Problem(
        503,
        PROBLEM.unavailable,
        'Service Unavailable',
        `the identity provider ${settings.issuer} cannot be reached: ${(err as Error).message}`,
      );
    });
    return found;
  };
}

/** Only a path of this service, never another site (an open redirect would help phishing). */
function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(?!\/)[^\\\s]*$/.test(value) ? value : '/';
}

// How the login routes appear in the OpenAPI document: a browser follows them, a program reads /me.
const tags = ['login'];
const noContent = (description: string) => z.null().describe(description);
const LOGIN_SCHEMA = {
  summary: "Log in: to the identity provider's login page",
  tags,
  security: [],
  querystring: z.looseObject({ returnTo: z.string().optional().describe('a path of this service to return to') }),
  response: {
    303: noContent('to the identity provider (a login cookie of 10 minutes is set)'),
    ...problemResponses([429, 503], { 503: 'the identity provider cannot be reached' }),
  },
};
const CALLBACK_SCHEMA = {
  summary: 'Where the identity provider sends the browser back: sets the session cookie',
  tags,
  security: [],
  response: {
    303: noContent('to the page asked for at /auth/login, with the session cookie set'),
    ...problemResponses([400, 401, 429, 503], {
      400: 'no login under way (or it took over 10 minutes)',
      401: 'the provider did not accept the login, or its answer did not check out',
    }),
  },
};
const ME_SCHEMA = {
  summary: 'Who is logged in, and the token their changes send (x-csrf-token)',
  tags,
  response: { 200: meSchema, ...problemResponses([401, 429], { 401: 'not logged in' }) },
};
const LOGOUT_SCHEMA = {
  summary: 'Log out: ends the session (send its token)',
  tags,
  response: {
    204: noContent('the session cookie is cleared'),
    303: noContent("to the page that says so, when the logout came from a page's form"),
    ...problemResponses([403, 429], { 403: "the session's token is missing" }),
  },
};

export async function loginRoutes(app: FastifyInstance, settings: LoginSettings): Promise<void> {
  const configuration = providerConfiguration(settings);
  const redirectUri = new URL('/auth/callback', settings.publicUrl).href;
  const secure = new URL(settings.publicUrl).protocol === 'https:';
  const cookieOptions = { httpOnly: true, sameSite: 'lax', secure, path: '/' } as const;

  app.get('/login', { schema: LOGIN_SCHEMA }, async (request: FastifyRequest, reply: FastifyReply) => {
    const config = await configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const returnTo = safeReturnTo((request.query as { returnTo?: unknown }).returnTo);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const login = await settings.sealer.sealLogin({ state, nonce, verifier, returnTo });
    return reply
      .setCookie(LOGIN_COOKIE, login, { ...cookieOptions, path: '/auth', maxAge: 600 })
      .redirect(url.href, 303);
  });

  app.get('/callback', { schema: CALLBACK_SCHEMA }, async (request: FastifyRequest, reply: FastifyReply) => {
    const login = await settings.sealer.openLogin(request.cookies[LOGIN_COOKIE]);
    if (!login) {
      throw new Problem(
        400,
        PROBLEM.invalid,
        'Bad Request',
        'no login under way (or it took over 10 minutes): start again at /auth/login',
      );
    }
    const config = await configuration();
    const current = new URL(request.url, settings.publicUrl);
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (err) {
      request.log.info({ reason: (err as Error).message }, 'login refused');
      throw new Problem(
        401,
        PROBLEM.unauthorized,
        'Unauthorized',
        `the login was not accepted: ${(err as Error).message}`,
      );
    }
    const identity = claims && identityFromClaims(claims, settings.claims);
    if (!identity) throw new Problem(401, PROBLEM.unauthorized, 'Unauthorized', 'the ID token names no subject');
    const session = await settings.sealer.sealSession({ identity, csrf: newCsrfToken() });
    request.log.info({ subject: identity.id, roles: identity.roles }, 'logged in');
    return reply
      .clearCookie(LOGIN_COOKIE, { ...cookieOptions, path: '/auth' })
      .setCookie(SESSION_COOKIE, session, { ...cookieOptions, maxAge: SESSION_SECONDS })
      .redirect(login.returnTo, 303);
  });

  app.get('/me', { schema: ME_SCHEMA }, async (request: FastifyRequest) => {
    const session = await settings.sealer.openSession(request.cookies[SESSION_COOKIE]);
    if (!session) throw new Problem(401, PROBLEM.unauthorized, 'Unauthorized', 'not logged in: /auth/login');
    const { identity, csrf } = session;
    return {
      subject: identity.id,
      name: identity.name,
      ...(identity.email && { email: identity.email }),
      roles: identity.roles,
      ...(identity.employers && { employers: identity.employers }),
      ...(identity.team && { team: identity.team }),
      csrfToken: csrf,
    };
  });

  app.post('/logout', { schema: LOGOUT_SCHEMA }, async (request: FastifyRequest, reply: FastifyReply) => {
    const session = await settings.sealer.openSession(request.cookies[SESSION_COOKIE]);
    // Logging someone out from another site is a nuisance, not a leak; still, only their own pages may.
    if (session && !sendsSessionToken(request, session.csrf)) {
      throw new Problem(
        403,
        PROBLEM.csrf,
        'Forbidden',
        "logging out needs the session's token (x-csrf-token or _csrf)",
      );
    }
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    // A page's logout form goes on to a page that says so; a program gets 204.
    if ((request.body as { _csrf?: unknown } | undefined)?._csrf !== undefined)
      return reply.redirect('/uitgelogd', 303);
    return reply.code(204).send();
  });
}
