// The HTTP routes of the bulk import: POST /imports takes a JSON list of cases, starts an import
// workflow (client/import.ts) and answers 202 with the status URL; GET /imports/{importId} answers its
// progress. A Fastify plugin of its own, registered under /api/v1 by service/app.ts, whose error
// handler answers the client library's import errors too (404 unknown, 409 other records).
//
// The service stays stateless: the records go straight into the import workflow, which holds the
// progress; a second POST with the same `id` attaches to that import instead of starting over.
//
// Size. The service's body limit (1 MiB) holds about 1,500 cases of ~600 bytes per request. For more,
// an arbodienst sends several imports (one per employer, or per 1,000 cases), or uses the CLI, which
// feeds any number of records (up to 100,000 per import) in batches; see docs/operations.md.
import { z } from 'zod';
import type { CaseClientOptions } from '../client/cases.js';
import { importStatus, startImport, type ImportStatus } from '../client/import.js';
import { IMPORT_ID_PATTERN, IMPORT_LIMITS } from '../workflows/import-api.js';
import { allow, Problem, PROBLEM, problemResponses, type Door, type ZodApp } from './http.js';
import { actorOf, type Identity } from './identity.js';

export interface ImportRouteDeps {
  cases: CaseClientOptions;
}

/** What the import routes say of a status where the service's general words do not fit. */
const SAY = {
  404: 'no such import (or none the key may see)',
  409: 'the import id was used for other records, or the import ended without finishing',
};

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

/** Who may see an import: the system (the key's name) or person that started it. */
const sourceOf = (identity: Identity) => actorOf(identity);

function publicStatus(status: ImportStatus) {
  const { fingerprint: _fingerprint, runs: _runs, ...rest } = status;
  return rest;
}

export async function importRoutes(app: ZodApp, deps: ImportRouteDeps, door: Door): Promise<void> {
  app.post(
    '/imports',
    {
      preHandler: allow(door, 'import.start'),
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
        response: { 202: acceptedSchema, ...problemResponses([400, 401, 403, 409, 413, 429], SAY) },
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
      preHandler: allow(door, 'import.read'),
      schema: {
        summary: "An import's progress",
        description:
          'Counts, the refused records with their reasons, and whether it is done. Only for the key, token or person ' +
          'that started it (404 for anyone else).',
        params: z.strictObject({ importId: importIdSchema }),
        response: { 200: importStatusSchema, ...problemResponses([400, 401, 403, 404, 409, 429], SAY) },
      },
    },
    async (request) => {
      const { importId } = request.params;
      const status = await importStatus(deps.cases, importId);
      if (status.source !== sourceOf(request.identity!)) {
        throw new Problem(404, PROBLEM.notFound, 'Not Found', `there is no import ${importId}`);
      }
      return publicStatus(status);
    },
  );
}
