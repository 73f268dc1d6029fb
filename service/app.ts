// The HTTP service: the door through which arbodienst systems and people reach the cases. Every
// route under /api/v1 is authenticated (an API key, service/api-keys.ts, an access token of the
// identity provider, service/tokens.ts, or a login session, service/login.ts) and authorised by the key's scopes or the person's roles (service/identity.ts),
// every answer about a case is written to the access log, and every error is
// application/problem+json. The request and answer shapes are zod schemas (the project's own for
// cases and events), from which Fastify validates and the OpenAPI 3.1 document is generated.
//
// The service holds no state between requests: cases live in Temporal, keys in their file, sessions
// in the people's cookies. Run as many as the load needs (with the same session key).
import type { PayloadCodec } from '@temporalio/common';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import {
  createJsonSchemaTransform,
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import { caseFactsSchema, computeCalendar, CalendarInputError } from '../workflows/calendar/index.js';
import { openCaseSchema } from '../workflows/case-model.js';
import {
  CaseError,
  DuplicateCaseError,
  EventNotAllowedError,
  getCase,
  InvalidEventError,
  InvalidInputError,
  listCases,
  openCase,
  recordEvent,
  UnknownCaseError,
  type CaseClientOptions,
  type CaseListEntry,
  type CaseListFilter,
} from '../client/cases.js';
import { exportBundle, serializeBundle, workflowCodeIdentity } from '../client/audit/bundle.js';
import { ImportError, ImportMismatchError, UnknownImportError } from '../client/import.js';
import { caseWorkflowId } from '../workflows/case-model.js';
import type { CaseView } from '../workflows/case-api.js';
import type { AccessLog } from './access-log.js';
import { codecRoutes } from './codec.js';
import { pageRoutes } from './pages/routes.js';
import { importRoutes } from './imports.js';
import type { ApiKeys } from './api-keys.js';
import { allow, Problem, PROBLEM, problemResponses, sendProblem, whoCalls, type Door, type ZodApp } from './http.js';
import {
  actorOf,
  isSystem,
  mayRecord,
  partiesOf,
  seesCase,
  type CaseParties,
  type Identity,
  type TaskOwner,
} from './identity.js';
import { scopedFilters } from './list-scope.js';
import { loginRoutes, type LoginSettings } from './login.js';
import { AccessTokens, type TokenSettings } from './tokens.js';
import {
  apiEventSchema,
  asOfQuerySchema,
  AUDIT_BUNDLE_TYPE,
  auditBundleSchema,
  auditRequestSchema,
  calendarSchema,
  caseListQuerySchema,
  caseListSchema,
  caseParamsSchema,
  caseViewSchema,
  eventAcceptedSchema,
  openedSchema,
} from './schemas.js';

export interface ServiceDeps {
  cases: CaseClientOptions;
  keys: ApiKeys;
  accessLog: AccessLog;
  version: string;
  logger?: Logger;
  /** Requests per minute per caller (key, token's subject, person; per address for the unknown); default 600. */
  rateLimitPerMinute?: number;
  /**
   * What /codec decodes with for the Web UI: the keys, showing a payload from before encryption as it
   * is (display only); default: the client's codecs.
   */
  displayCodecs?: PayloadCodec[];
  /** PEM of the Ed25519 key that signs audit bundles (POORTWACHTER_AUDIT_SIGNING_KEY); unsigned without. */
  signingKeyPem?: string;
  /** People's login through the arbodienst's identity provider; without it, only API keys come in. */
  login?: LoginSettings;
  /** Access tokens of the arbodienst's identity provider (client credentials); without, none are taken. */
  tokens?: TokenSettings;
  /** The Temporal Web UI's origin, whose pages may call /codec (POORTWACHTER_CODEC_CORS_ORIGIN). */
  webUiOrigin?: string;
  /** The Amsterdam date the pages judge statuses on; default the real one (tests pin theirs). */
  today?: () => string;
}

export async function buildService(deps: ServiceDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as unknown as FastifyBaseLogger } : { logger: false }),
    // An event or a case is a few kilobytes; a megabyte leaves room and bounds the damage.
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // Security headers on every answer. The API's pages are served over plain http in dev: no upgrade.
  await app.register(helmet, {
    contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } },
  });
  const door: Door = {
    keys: deps.keys,
    ...(deps.login && { sessions: deps.login.sealer }),
    ...(deps.tokens && { tokens: new AccessTokens(deps.tokens) }),
  };
  // The cookies are read before the rate limit asks who calls. Pages' forms post as
  // application/x-www-form-urlencoded (their login, logout and records).
  await app.register(cookie);
  await app.register(formbody);
  // A budget per caller, against load: per key, per token's subject, per person (all their sessions
  // share it); a caller the door does not know yet (no credentials, or refused ones) per address.
  await app.register(rateLimit, {
    max: deps.rateLimitPerMinute ?? 600,
    timeWindow: '1 minute',
    keyGenerator: (request) =>
      whoCalls(door, request).then(
        ({ identity }) => `${identity.via}:${identity.id}`,
        () => `address:${request.ip}`,
      ),
    errorResponseBuilder: (_request, context) =>
      new Problem(
        429,
        PROBLEM.tooMany,
        'Too Many Requests',
        `at most ${context.max} requests a minute; try again in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'poortwachter',
        version: deps.version,
        description: 'Sick-leave cases under the Wet verbetering poortwachter: open, read, list, record events.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: "an API key (pwk_…), or an access token of the arbodienst's identity provider (a JWT)",
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'pw_session',
            description: 'a login session (GET /auth/login); a change also sends its token in x-csrf-token',
          },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: createJsonSchemaTransform({}),
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());

  app.setErrorHandler((err: FastifyError, request, reply) => answerError(err, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new Problem(404, PROBLEM.notFound, 'Not Found', `no route ${request.method} ${request.url}`)),
  );
  app.addHook('onResponse', async (request, reply) => {
    if (!request.access) return;
    const status = reply.statusCode;
    const { action, caseId, caseIds } = request.access;
    const who = request.identity;
    for (const id of caseIds ?? [caseId]) {
      deps.accessLog.write({
        who: who ? (who.via === 'api-key' ? `${who.id} (${who.name})` : (who.email ?? who.id)) : 'anonymous',
        via: who?.via ?? 'none',
        ...(who && !isSystem(who) && { roles: who.roles }),
        action,
        ...(id && { caseId: id }),
        outcome: status < 400 ? 'allowed' : status < 500 ? 'refused' : 'failed',
        status,
        method: request.method,
        path: request.routeOptions.url ?? request.url,
      });
    }
  });

  if (deps.login) await app.register(async (auth) => loginRoutes(auth, deps.login!), { prefix: '/auth' });
  await app.register(async (api) => routes(api.withTypeProvider<ZodTypeProvider>(), deps, door), {
    prefix: '/api/v1',
  });
  await app.register(async (api) => importRoutes(api.withTypeProvider<ZodTypeProvider>(), deps, door), {
    prefix: '/api/v1',
  });
  const codec = {
    codecs: deps.displayCodecs ?? deps.cases.client.options.loadedDataConverter.payloadCodecs,
    ...(deps.webUiOrigin && { uiOrigin: deps.webUiOrigin }),
    ...(deps.login && { ownOrigin: new URL(deps.login.publicUrl).origin }),
  };
  await app.register(async (api) => codecRoutes(api.withTypeProvider<ZodTypeProvider>(), codec, door), {
    prefix: '/codec',
  });
  // The pages for people (with login on).
  if (deps.login) {
    await app.register(async (pages) =>
      pageRoutes(pages.withTypeProvider<ZodTypeProvider>(), {
        cases: deps.cases,
        door,
        ...(deps.today && { today: deps.today }),
        bundle: (caseId) => bundleOf(deps, [caseId]),
      }),
    );
  }
  return app;
}

/** A case the caller may not see is answered as if it did not exist. */
function notVisible(identity: Identity | undefined, parties: CaseParties): boolean {
  return !identity || !seesCase(identity, parties);
}

/** The owner of a task in the case's calendar. */
const ownerIn = (view: CaseView) => (task: string) =>
  view.calendar.milestones.find((m) => m.id === task)?.owner as TaskOwner | undefined;

const unknownCase = (caseId: string) => new Problem(404, PROBLEM.notFound, 'Not Found', `there is no case ${caseId}`);

function routes(r: ZodApp, deps: ServiceDeps, door: Door): void {
  r.post(
    '/cases',
    {
      preHandler: allow(door, 'case.open'),
      schema: {
        summary: 'Open a case',
        description: 'One workflow per case id; a case id that exists (open or closed) is refused with 409.',
        body: openCaseSchema,
        response: { 201: openedSchema, ...problemResponses([400, 401, 403, 409, 413, 429]) },
      },
    },
    async (request, reply) => {
      request.access = { action: 'case.open', caseId: request.body.caseId };
      if (notVisible(request.identity, partiesOf(request.body))) {
        const identity = request.identity!;
        throw new Problem(
          403,
          PROBLEM.forbidden,
          'Forbidden',
          isSystem(identity)
            ? `this ${identity.via === 'api-key' ? 'key' : 'token'} may not open cases of employer ${request.body.employer.id}`
            : 'you may open only cases of which you are the casemanager',
        );
      }
      const opened = await openCase(deps.cases, request.body, { openedBy: actorOf(request.identity!) });
      return reply
        .code(201)
        .header('location', `/api/v1/cases/${encodeURIComponent(opened.caseId)}`)
        .send(opened);
    },
  );

  r.get(
    '/cases/:caseId',
    {
      preHandler: allow(door, 'case.read'),
      schema: {
        summary: 'Read a case: its calendar and timeline',
        params: caseParamsSchema,
        querystring: asOfQuerySchema,
        response: { 200: caseViewSchema, ...problemResponses([400, 401, 403, 404, 429]) },
      },
    },
    async (request) => {
      const view = await getCase(deps.cases, request.params.caseId, {
        ...(request.query.asOf && { asOf: request.query.asOf }),
      });
      if (notVisible(request.identity, partiesOf(view))) throw unknownCase(request.params.caseId);
      return view;
    },
  );

  r.get(
    '/cases',
    {
      preHandler: allow(door, 'case.list'),
      schema: {
        summary: 'List cases',
        description: 'Filtered on what the cases keep searchable (ids, statuses, dates, counts); by next deadline.',
        querystring: caseListQuerySchema,
        response: { 200: caseListSchema, ...problemResponses([400, 401, 403, 429]) },
      },
    },
    async (request) => {
      const q = request.query;
      const asked: CaseListFilter = {
        ...(q.casemanager && { casemanagerEmail: q.casemanager }),
        ...(q.employer && { employerId: q.employer }),
        ...(q.status && { status: q.status }),
        ...(q.overdue === 'true' && { overdue: true }),
        ...(q.deadlineBefore && { deadlineBefore: q.deadlineBefore }),
      };
      // The caller's cases (a casemanager's own, a team's, a bedrijfsarts', an employer's), each part
      // with the filters asked; a filter outside them finds nothing.
      const found = new Map<string, CaseListEntry>();
      for (const filter of scopedFilters(request.identity!, asked))
        for (const entry of await listCases(deps.cases, filter)) found.set(entry.caseId, entry);
      const all = [...found.values()].sort(
        (a, b) =>
          (a.nextDeadline ?? '9999').localeCompare(b.nextDeadline ?? '9999') || a.caseId.localeCompare(b.caseId),
      );
      const from = q.cursor ? decodeCursor(q.cursor) : 0;
      const page = all.slice(from, from + q.limit);
      const next = from + q.limit < all.length ? encodeCursor(from + q.limit) : undefined;
      return { cases: page, ...(next && { next }) };
    },
  );

  r.post(
    '/cases/:caseId/events',
    {
      preHandler: allow(door, 'event.record'),
      schema: {
        summary: 'Record an event on a case',
        description:
          'The actor is the caller (the key, token or person). With an Idempotency-Key header a repeated request is applied once ' +
          'and answered the same. 409: the case is in a state that does not take this event (closed, already recorded); ' +
          "422: the law's rules refuse it (a date in the future, a relapse 28 days or more after recovery).",
        params: caseParamsSchema,
        headers: z.looseObject({
          'idempotency-key': z.string().min(1).max(200).optional().describe('a key of your own per event'),
        }),
        body: apiEventSchema,
        response: { 200: eventAcceptedSchema, ...problemResponses([400, 401, 403, 404, 409, 413, 422, 429]) },
      },
    },
    async (request) => {
      const { caseId } = request.params;
      const identity = request.identity!;
      // Whose case it is decides whether a person (or a key for some employers) sees it and may record
      // this event on it; a key for every employer needs no query first (a system sends many events).
      let parties: CaseParties | undefined;
      if (!isSystem(identity) || identity.employers) {
        const view = await getCase(deps.cases, caseId);
        parties = partiesOf(view);
        if (notVisible(identity, parties)) throw unknownCase(caseId);
        const event = request.body as { type: string; task?: string };
        if (!mayRecord(identity, parties, event, ownerIn(view))) {
          const what = event.task ? `${event.type} of ${event.task}` : event.type;
          throw new Problem(403, PROBLEM.forbidden, 'Forbidden', `your role on this case may not record ${what}`);
        }
      }
      const actor = actorOf(identity, parties);
      const idempotencyKey = request.headers['idempotency-key'];
      try {
        return await recordEvent(
          deps.cases,
          caseId,
          { ...request.body, actor },
          {
            ...(idempotencyKey && { updateId: `${identity.via}-${identity.id}-${idempotencyKey}` }),
          },
        );
      } catch (err) {
        // The shape was checked on the way in: an InvalidEventError now is the case's rules refusing it.
        if (err instanceof InvalidEventError)
          throw new Problem(422, PROBLEM.refused, 'Unprocessable Content', err.message);
        throw err;
      }
    },
  );

  r.post(
    '/audit/bundles',
    {
      preHandler: allow(door, 'audit.export'),
      schema: {
        summary: "An auditor's bundle of one or more cases",
        description:
          'The full history of every run of each case, with a manifest of SHA-256 digests, signed with Ed25519 when ' +
          'the service has a signing key. The answer is the bundle file itself, byte for byte: save it and check it ' +
          'with `poortwachter audit verify`.',
        body: auditRequestSchema,
        response: {
          200: { description: 'the bundle', content: { [AUDIT_BUNDLE_TYPE]: { schema: auditBundleSchema } } },
          ...problemResponses([400, 401, 403, 404, 429]),
        },
      },
    },
    async (request, reply) => {
      const caseIds = [...new Set(request.body.caseIds)];
      request.access = { action: 'audit.export', caseIds };
      for (const caseId of caseIds) {
        const view = await getCase(deps.cases, caseId);
        if (notVisible(request.identity, partiesOf(view))) throw unknownCase(caseId);
      }
      // As text: the bundle's canonical form is what its digests and signature are checked against.
      return reply.type(AUDIT_BUNDLE_TYPE).send((await bundleOf(deps, caseIds)) as never);
    },
  );

  r.post(
    '/calendar',
    {
      preHandler: allow(door, 'calendar.compute'),
      schema: {
        summary: 'The statutory calendar of given case facts (computed, nothing stored)',
        body: caseFactsSchema,
        querystring: asOfQuerySchema,
        response: { 200: calendarSchema, ...problemResponses([400, 401, 403, 429]) },
      },
    },
    async (request) => computeCalendar(request.body, request.query.asOf ? { asOf: request.query.asOf } : {}),
  );
}

/** The signed bundle of these cases, as the text whose digests and signature `audit verify` checks. */
async function bundleOf(deps: ServiceDeps, caseIds: string[]): Promise<string> {
  const { client } = deps.cases;
  const bundle = await exportBundle(client, caseIds.map(caseWorkflowId), {
    ...(deps.signingKeyPem && { signingKeyPem: deps.signingKeyPem }),
    decode: { payloadCodecs: client.options.loadedDataConverter.payloadCodecs },
    workflowCodeSha256: await workflowCode(),
  });
  return serializeBundle(bundle);
}

/** The identity of the workflow code the bundles name: bundled once, on the first export. */
let workflowCodeSha256: Promise<string> | undefined;
function workflowCode(): Promise<string> {
  workflowCodeSha256 ??= workflowCodeIdentity().catch((err: unknown) => {
    workflowCodeSha256 = undefined;
    throw err;
  });
  return workflowCodeSha256;
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const { o } = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { o?: unknown };
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // falls through to the problem below
  }
  throw new Problem(400, PROBLEM.invalid, 'Bad Request', 'cursor: not a cursor of this list', [
    { path: 'cursor', message: 'not a cursor of this list' },
  ]);
}

/** `/employer/escalationEmail` in the body → `employer.escalationEmail`, as the CLI names fields. */
function fieldPath(context: string | undefined, instancePath: string): string {
  const inner = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  const where = context === 'body' || !context ? '' : `${context === 'querystring' ? 'query' : context}.`;
  return `${where}${inner}` || '(input)';
}

function answerError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof Problem) return sendProblem(reply, err);
  if (hasZodFastifySchemaValidationErrors(err)) {
    const errors = err.validation.map((v) => ({
      path: fieldPath(err.validationContext, v.instancePath),
      message: v.message ?? 'invalid',
    }));
    return sendProblem(
      reply,
      new Problem(400, PROBLEM.invalid, 'Bad Request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors),
    );
  }
  if (err instanceof InvalidInputError) {
    return sendProblem(
      reply,
      new Problem(400, PROBLEM.invalid, 'Bad Request', err.message.replace(/\n/g, '; '), err.issues),
    );
  }
  if (err instanceof CalendarInputError) {
    const errors = err.issues.map((i) => ({ path: i.path, message: i.message }));
    return sendProblem(
      reply,
      new Problem(400, PROBLEM.invalid, 'Bad Request', err.message.replace(/\n/g, '; '), errors),
    );
  }
  if (err instanceof UnknownImportError)
    return sendProblem(reply, new Problem(404, PROBLEM.notFound, 'Not Found', err.message));
  if (err instanceof ImportMismatchError || err instanceof ImportError)
    return sendProblem(reply, new Problem(409, PROBLEM.conflict, 'Conflict', err.message));
  if (err instanceof UnknownCaseError)
    return sendProblem(reply, new Problem(404, PROBLEM.notFound, 'Not Found', err.message));
  if (err instanceof DuplicateCaseError)
    return sendProblem(reply, new Problem(409, PROBLEM.duplicate, 'Conflict', err.message));
  if (err instanceof EventNotAllowedError)
    return sendProblem(reply, new Problem(409, PROBLEM.conflict, 'Conflict', err.message));
  if (err instanceof InvalidEventError)
    return sendProblem(reply, new Problem(400, PROBLEM.invalid, 'Bad Request', err.message));
  if (err instanceof CaseError)
    return sendProblem(reply, new Problem(400, PROBLEM.invalid, 'Bad Request', err.message));
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return sendProblem(
      reply,
      new Problem(413, PROBLEM.tooLarge, 'Content Too Large', 'the request body is larger than this route takes'),
    );
  }
  if (!isResponseSerializationError(err) && err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    // Fastify's own refusals (malformed JSON, a wrong content type): the message is about the request.
    return sendProblem(reply, new Problem(err.statusCode, PROBLEM.invalid, 'Bad Request', err.message));
  }
  // Anything else is ours: logged with its stack, answered without it.
  request.log.error({ err }, 'request failed');
  return sendProblem(
    reply,
    new Problem(500, PROBLEM.internal, 'Internal Server Error', 'the service could not answer; it has been logged'),
  );
}
