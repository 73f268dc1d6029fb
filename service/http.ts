// What every route of the HTTP service shares: the problems it answers (RFC 9457, with a stable
// `type` a client can branch on), how they are documented in the OpenAPI document, and the door:
// who the caller is (an API key, an access token, or a person's login session) and whether they may do the route's
// action at all, before the route runs. Which cases and events is the route's to ask (identity.ts).
import { timingSafeEqual } from 'node:crypto';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiKeys } from './api-keys.js';
import { ACTION_SCOPE, isSystem, mayDo, type Action, type Identity } from './identity.js';
import { problemSchema } from './schemas.js';
import { SESSION_COOKIE, type SessionSealer } from './session.js';
import { looksLikeJwt, ProviderUnavailable, TokenRefused, type AccessTokens } from './tokens.js';

/** A Fastify instance whose routes are typed by their zod schemas. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    identity?: Identity;
    /** What the access log says this request did (one line per case). */
    access?: { action: string; caseId?: string; caseIds?: string[] };
  }
}

/** The `type` of each problem: stable names a client can branch on. */
export const PROBLEM = {
  invalid: 'urn:poortwachter:problem:invalid-input',
  unauthorized: 'urn:poortwachter:problem:unauthorized',
  forbidden: 'urn:poortwachter:problem:forbidden',
  csrf: 'urn:poortwachter:problem:csrf-token',
  notFound: 'urn:poortwachter:problem:not-found',
  duplicate: 'urn:poortwachter:problem:duplicate-case',
  conflict: 'urn:poortwachter:problem:conflict',
  tooLarge: 'urn:poortwachter:problem:too-large',
  tooMany: 'urn:poortwachter:problem:too-many-requests',
  refused: 'urn:poortwachter:problem:refused-by-rules',
  unavailable: 'urn:poortwachter:problem:unavailable',
  internal: 'urn:poortwachter:problem:internal',
} as const;

/** An error that is answered as a problem. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    detail: string,
    readonly errors?: { path: string; message: string }[],
  ) {
    super(detail);
  }
}

/** What each status means, as the document says it; a route may say it in its own words. */
const PROBLEM_STATUS: Record<number, string> = {
  400: 'the request is malformed: each field at fault is in `errors`',
  401: 'no API key, access token or login session, or one that is not valid',
  403: 'the caller may not do this (its scopes or roles), or a change by a login session came without its token',
  404: 'no such case (or none the caller may see)',
  409: "the case's state does not allow it (a duplicate case id, a closed case, already recorded)",
  413: 'the body is larger than the route takes (1 MiB; 4 MiB for the codec)',
  422: "the law's rules refuse it",
  429: 'too many requests from this caller: wait as long as Retry-After says',
  500: 'the service could not answer; it has been logged (no details are given)',
  503: 'the identity provider cannot be reached now (to check an access token, or to log in): try again later',
};

/**
 * The documented problem answers of a route: `problemResponses([400, 401, …])`, or with its own words.
 * 500 and 503 may come from any route and are always added.
 */
export const problemResponses = (statuses: number[], say: Record<number, string> = {}) =>
  Object.fromEntries(
    [...new Set([...statuses, 500, 503])].map((s) => [
      s,
      { description: say[s] ?? PROBLEM_STATUS[s]!, content: { 'application/problem+json': { schema: problemSchema } } },
    ]),
  );

/**
 * How the service knows its callers: the API keys, the sealer of login sessions (with login on), and
 * the identity provider's access tokens (when configured).
 */
export interface Door {
  keys: ApiKeys;
  sessions?: SessionSealer;
  tokens?: AccessTokens;
}

/** A hook that notes what the request does, finds out who calls, and checks they may do it at all. */
export function allow(door: Door, action: Action, options: { originChecked?: boolean } = {}) {
  return async (request: FastifyRequest) => {
    const params = request.params as { caseId?: string } | undefined;
    request.access = { action, ...(params?.caseId && { caseId: params.caseId }) };
    const { identity, csrf } = await whoCalls(door, request);
    request.identity = identity;
    // A browser sends the cookie with a request that another site makes it send; only this service's
    // own pages know the session's token. (A route called by another origin's page, such as the codec
    // for the Temporal Web UI, checks that origin instead: `originChecked`.)
    const unsafe = !SAFE_METHODS.has(request.method) && !options.originChecked;
    if (csrf !== undefined && unsafe && !sendsSessionToken(request, csrf)) {
      throw new Problem(
        403,
        PROBLEM.csrf,
        'Forbidden',
        "a change by a login session needs the session's token (header x-csrf-token, or the form field _csrf)",
      );
    }
    if (!mayDo(identity, action)) {
      const scope = ACTION_SCOPE[action];
      const system = `this ${identity.via === 'api-key' ? 'key' : 'token'} may not ${action}`;
      const why = isSystem(identity)
        ? scope
          ? `${system} (it needs the scope ${scope})`
          : `${system}: only a person in a role that may, never a system`
        : `your role (${identity.roles.join(', ') || 'none'}) may not ${action}`;
      throw new Problem(403, PROBLEM.forbidden, 'Forbidden', why);
    }
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether the request sends the session's token back (header x-csrf-token, or the form field _csrf).
 * Compared in constant time, as bytes (a token of other characters may have another byte length).
 */
export function sendsSessionToken(request: FastifyRequest, token: string): boolean {
  const sent = request.headers['x-csrf-token'] ?? (request.body as { _csrf?: unknown } | undefined)?._csrf;
  if (typeof sent !== 'string') return false;
  const [x, y] = [Buffer.from(sent), Buffer.from(token)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Who called, and the session's token when they came with a session (changes must send it back). */
export interface Caller {
  identity: Identity;
  csrf?: string;
}

const callers = new WeakMap<FastifyRequest, Promise<Caller>>();

/**
 * The caller: a bearer API key or access token in the Authorization header, else the login session's
 * cookie. Found once per request: the rate limit asks first (a budget per caller), the route after.
 */
export function whoCalls(door: Door, request: FastifyRequest): Promise<Caller> {
  let caller = callers.get(request);
  if (!caller) {
    caller = authenticate(door, request);
    caller.catch(() => undefined); // the rate limit may ask and fall back; the route hears the refusal
    callers.set(request, caller);
  }
  return caller;
}

async function authenticate(door: Door, request: FastifyRequest): Promise<Caller> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (door.tokens && !presented.startsWith('pwk_') && looksLikeJwt(presented)) {
      try {
        return { identity: await door.tokens.verify(presented) };
      } catch (err) {
        if (err instanceof ProviderUnavailable) {
          request.log.warn({ reason: err.message }, 'access token not checked: the provider is unavailable');
          throw new Problem(
            503,
            PROBLEM.unavailable,
            'Service Unavailable',
            "the identity provider's keys cannot be read now: try again later",
          );
        }
        if (!(err instanceof TokenRefused)) throw err;
        request.log.info({ reason: err.message }, 'access token refused');
        throw new Problem(401, PROBLEM.unauthorized, 'Unauthorized', 'the access token is not valid');
      }
    }
    const checked = door.keys.check(presented);
    if ('refused' in checked) {
      request.log.info({ reason: checked.refused }, 'API key refused');
      throw new Problem(401, PROBLEM.unauthorized, 'Unauthorized', 'the API key is not valid');
    }
    return {
      identity: {
        via: 'api-key',
        id: checked.keyId,
        name: checked.name,
        roles: [],
        scopes: checked.scopes,
        ...(checked.employers && { employers: checked.employers }),
      },
    };
  }
  const session = await door.sessions?.openSession(request.cookies?.[SESSION_COOKIE]);
  if (session) return { identity: session.identity, csrf: session.csrf };
  const bearer = door.tokens ? 'an API key or an access token' : 'an API key';
  throw new Problem(
    401,
    PROBLEM.unauthorized,
    'Unauthorized',
    door.sessions
      ? `log in (/auth/login) or send ${bearer}: Authorization: Bearer …`
      : `send ${bearer}: Authorization: Bearer …`,
  );
}

export function sendProblem(reply: FastifyReply, problem: Problem) {
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({
      type: problem.type,
      title: problem.title,
      status: problem.status,
      detail: problem.message,
      ...(problem.errors && { errors: problem.errors }),
    });
}
