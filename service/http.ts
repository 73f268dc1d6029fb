// What every route of the HTTP service shares: the problems it answers (RFC 9457, with a stable
// `type` a client can branch on), how they are documented in the OpenAPI document, and the check of
// the API key and its scope before a route runs.
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
import type { ApiKeys, KeyIdentity, Scope } from './api-keys.js';
import { problemSchema } from './schemas.js';

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
    identity?: KeyIdentity;
    /** What the access log says this request did (one line per case). */
    access?: { action: string; caseId?: string; caseIds?: string[] };
  }
}

/** The `type` of each problem: stable names a client can branch on. */
export const PROBLEM = {
  invalid: 'urn:poortwachter:problem:invalid-input',
  unauthorized: 'urn:poortwachter:problem:unauthorized',
  forbidden: 'urn:poortwachter:problem:forbidden',
  notFound: 'urn:poortwachter:problem:not-found',
  duplicate: 'urn:poortwachter:problem:duplicate-case',
  conflict: 'urn:poortwachter:problem:conflict',
  tooLarge: 'urn:poortwachter:problem:too-large',
  tooMany: 'urn:poortwachter:problem:too-many-requests',
  refused: 'urn:poortwachter:problem:refused-by-rules',
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
  401: 'no API key, or one that is not valid',
  403: 'the key may not do this',
  404: 'no such case (or none the key may see)',
  409: "the case's state does not allow it (a duplicate case id, a closed case, already recorded)",
  413: 'the body is larger than 1 MiB',
  422: "the law's rules refuse it",
  429: 'too many requests from this key: wait as long as Retry-After says',
};

/** The documented problem answers of a route: `problemResponses(400, 401, …)`, or with its own words. */
export const problemResponses = (statuses: number[], say: Record<number, string> = {}) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: say[s] ?? PROBLEM_STATUS[s]!, content: { 'application/problem+json': { schema: problemSchema } } },
    ]),
  );

/** A hook that notes what the request does and checks the key and its scope. */
export function allow(keys: ApiKeys, action: string, scope: Scope) {
  return async (request: FastifyRequest) => {
    const params = request.params as { caseId?: string } | undefined;
    request.access = { action, ...(params?.caseId && { caseId: params.caseId }) };
    const header = request.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!presented)
      throw new Problem(401, PROBLEM.unauthorized, 'Unauthorized', 'send an API key: Authorization: Bearer pwk_…');
    const checked = keys.check(presented);
    if ('refused' in checked) {
      request.log.info({ reason: checked.refused }, 'API key refused');
      throw new Problem(401, PROBLEM.unauthorized, 'Unauthorized', 'the API key is not valid');
    }
    request.identity = checked;
    if (!checked.scopes.includes(scope)) {
      throw new Problem(
        403,
        PROBLEM.forbidden,
        'Forbidden',
        `this key may not ${action} (it needs the scope ${scope})`,
      );
    }
  };
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
