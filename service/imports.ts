// The HTTP routes of the bulk import: POST /imports takes a JSON list of cases, starts an import
// workflow (client/import.ts) and answers 202 with the status URL; GET /imports/{importId} answers its
// progress. A Fastify plugin of its own, registered under /api/v1 by service/app.ts:
//
//   await app.register(async (api) => importRoutes(api.withTypeProvider<ZodTypeProvider>(), deps), { prefix: '/api/v1' });
//
// The service stays stateless: the records go straight into the import workflow, which holds the
// progress; a second POST with the same `id` attaches to that import instead of starting over.
//
// Size. The service's body limit (1 MiB) holds about 1,500 cases of ~600 bytes per request. For more,
// an arbodienst sends several imports (one per employer, or per 1,000 cases), or uses the CLI, which
// feeds any number of records (up to 100,000 per import) in batches; see docs/operations.md.
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CaseClientOptions } from '../client/cases.js';
import {
  ImportError,
  ImportMismatchError,
  importStatus,
  startImport,
  UnknownImportError,
  type ImportStatus,
} from '../client/import.js';
import { IMPORT_ID_PATTERN, IMPORT_LIMITS } from '../workflows/import-api.js';
import type { ApiKeys, KeyIdentity, Scope } from './api-keys.js';

export interface ImportRouteDeps {
  cases: CaseClientOptions;
  keys: ApiKeys;
}

type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** The problems these routes answer themselves; the rest goes to the service's error handler. */
class ImportProblem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

const PROBLEM = {
  unauthorized: 'urn:poortwachter:problem:unauthorized',
  forbidden: 'urn:poortwachter:problem:forbidden',
  notFound: 'urn:poortwachter:problem:not-found',
  conflict: 'urn:poortwachter:problem:conflict',
} as const;

const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe('application/problem+json (RFC 9457)');

const PROBLEM_STATUS: Record<number, string> = {
  400: 'the request is malformed: each field at fault is in `errors`',
  401: 'no API key, or one that is not valid',
  403: 'the key may not do this',
  404: 'no such import (or none the key may see)',
  409: 'the import id was used for other records, or the import ended without finishing',
  413: 'the body is larger than 1 MiB',
  429: 'too many requests from this key: wait as long as Retry-After says',
};

const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: PROBLEM_STATUS[s]!, content: { 'application/problem+json': { schema: problemSchema } } },
    ]),
  );

const importIdSchema = z
  .string()
  .regex(IMPORT_ID_PATTERN)
  .describe('1 to 64 letters, digits, ".", "_" or "-": the same id again attaches to that import');

const refusalSchema = z.object({
  index: z.number().int().describe('the record in the list, counted from 0'),
  caseId: z.string().optional(),
  reason: z.string(),
});

export const importStatusSchema = z
  .object({
    importId: z.string(),
    source: z.string(),
    total: z.number().int().optional(),
    received: z.number().int(),
    inputClosed: z.boolean(),
    opened: z.number().int(),
    duplicates: z.number().int().describe('refused because the case exists (also in refusedCount)'),
    refusedCount: z.number().int(),
    refused: z.array(refusalSchema).describe(`the first ${IMPORT_LIMITS.maxListedRefusals} refusals, by index`),
    done: z.boolean(),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
  })
  .describe("an import's progress");

const acceptedSchema = z
  .object({
    importId: z.string(),
    status: z.string().describe('the URL of its status (also in Location)'),
    attached: z.boolean().describe('true when an import with this id existed and this request went on with it'),
  })
  .describe('the import is under way');

/** Who may see an import: the system (the key's name) that started it. */
const sourceOf = (identity: KeyIdentity) => `api:${identity.name}`;

/** The key and its scope, as the service's other routes check them. */
function allow(deps: ImportRouteDeps, action: string, scope: Scope) {
  return async (request: FastifyRequest) => {
    request.access = { action };
    const header = request.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!presented) {
      throw new ImportProblem(
        401,
        PROBLEM.unauthorized,
        'Unauthorized',
        'send an API key: Authorization: Bearer pwk_…',
      );
    }
    const checked = deps.keys.check(presented);
    if ('refused' in checked) {
      request.log.info({ reason: checked.refused }, 'API key refused');
      throw new ImportProblem(401, PROBLEM.unauthorized, 'Unauthorized', 'the API key is not valid');
    }
    request.identity = checked;
    if (!checked.scopes.includes(scope)) {
      throw new ImportProblem(
        403,
        PROBLEM.forbidden,
        'Forbidden',
        `this key may not ${action} (it needs the scope ${scope})`,
      );
    }
  };
}

function publicStatus(status: ImportStatus) {
  const { fingerprint: _fingerprint, runs: _runs, ...rest } = status;
  return rest;
}

export async function importRoutes(app: ZodApp, deps: ImportRouteDeps): Promise<void> {
  // Only for the routes of this plugin: its own problems, and the client library's import errors;
  // everything else is thrown on to the service's error handler.
  app.setErrorHandler((err: FastifyError, _request, reply) => {
    let problem: ImportProblem | undefined;
    if (err instanceof ImportProblem) problem = err;
    else if (err instanceof UnknownImportError)
      problem = new ImportProblem(404, PROBLEM.notFound, 'Not Found', err.message);
    else if (err instanceof ImportMismatchError || err instanceof ImportError)
      problem = new ImportProblem(409, PROBLEM.conflict, 'Conflict', err.message);
    if (!problem) throw err;
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
    return reply.code(problem.status).type('application/problem+json').send({
      type: problem.type,
      title: problem.title,
      status: problem.status,
      detail: problem.message,
    });
  });

  app.post(
    '/imports',
    {
      preHandler: allow(deps, 'import.start', 'cases:write'),
      schema: {
        summary: 'Import a list of cases (taking over running cases)',
        description:
          'Each record as for POST /cases. The import runs as a workflow of its own: the answer (202) comes once ' +
          'it has every record, the cases are opened after it, and GET on the Location follows the progress. A ' +
          'record that is not a case, or whose case id exists, is refused on its own (its index and reason are in ' +
          'the status); the others are opened, each once. With ?id= the same id again attaches to that import ' +
          '(409 if it was started with other records). At most 1 MiB a request (about 1,500 cases).',
        querystring: z.strictObject({ id: importIdSchema.optional() }),
        body: z.array(z.unknown()).min(1).describe('the cases, each as the body of POST /cases'),
        response: { 202: acceptedSchema, ...problemResponses(400, 401, 403, 409, 413, 429) },
      },
    },
    async (request, reply) => {
      const identity = request.identity!;
      const records = request.body;
      // One line in the access log per case the import touches.
      const caseIds = [
        ...new Set(
          records.map((r) => (r as { caseId?: unknown } | null)?.caseId).filter((id) => typeof id === 'string'),
        ),
      ] as string[];
      request.access = { action: 'import.start', caseIds };
      const started = await startImport(deps.cases, records, {
        ...(request.query.id && { importId: request.query.id }),
        source: sourceOf(identity),
        refuse: (open) =>
          identity.employers && !identity.employers.includes(open.employer.id)
            ? `this key may not open cases of employer ${open.employer.id}`
            : undefined,
      });
      const location = `/api/v1/imports/${encodeURIComponent(started.importId)}`;
      return reply
        .code(202)
        .header('location', location)
        .send({ importId: started.importId, status: location, attached: started.attached });
    },
  );

  app.get(
    '/imports/:importId',
    {
      preHandler: allow(deps, 'import.read', 'cases:read'),
      schema: {
        summary: "An import's progress",
        description:
          'Counts, the refused records with their reasons, and whether it is done. Only for the system that started it.',
        params: z.strictObject({ importId: importIdSchema }),
        response: { 200: importStatusSchema, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const { importId } = request.params;
      const status = await importStatus(deps.cases, importId);
      if (status.source !== sourceOf(request.identity!)) {
        throw new ImportProblem(404, PROBLEM.notFound, 'Not Found', `there is no import ${importId}`);
      }
      return publicStatus(status);
    },
  );
}
