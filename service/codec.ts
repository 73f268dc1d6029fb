// The decrypting endpoint of the Temporal Web UI, behind the door: POST /codec/decode (and /encode),
// Temporal's remote codec protocol. The UI sends the encrypted payloads it shows; a logged-in
// auditor or beheerder gets them back readable (encode: beheerder only), a system never. The UI's
// page calls from its own origin: with the session cookie ("include cross-origin credentials" in the
// UI's codec settings) or with the access token a Web UI with login passes along. Only that origin
// gets CORS answers; a page of any other origin is refused before anything is decrypted, which is
// what stands in for the session's token here (the UI cannot send it). Every call is in the access log.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { codecBodySchema, fromPayload, toPayload } from '../runtime/codec-server.js';
import { allow, Problem, PROBLEM, problemResponses, type Door, type ZodApp } from './http.js';

export interface CodecSettings {
  /** The codecs of the service's data converter (applied last to first when decoding). */
  codecs: PayloadCodec[];
  /** The Temporal Web UI's origin, e.g. http://localhost:8233: the one other page origin answered. */
  uiOrigin?: string;
  /** The service's own origin (its pages may call too). */
  ownOrigin?: string;
}

const CORS_HEADERS = {
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'Authorization, Content-Type, X-Namespace',
  'access-control-allow-credentials': 'true',
  'access-control-max-age': '600',
  // helmet's same-origin would keep the UI's page from reading the answer.
  'cross-origin-resource-policy': 'cross-origin',
};

async function run(codecs: PayloadCodec[], operation: 'decode' | 'encode', payloads: Payload[]): Promise<Payload[]> {
  let result = payloads;
  if (operation === 'decode') for (const codec of [...codecs].reverse()) result = await codec.decode(result);
  else for (const codec of codecs) result = await codec.encode(result);
  return result;
}

export function codecRoutes(app: ZodApp, settings: CodecSettings, door: Door): void {
  /** Answers the UI's origin with CORS headers; refuses any other page's. */
  const checkOrigin = async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin === undefined || origin === settings.ownOrigin) return;
    if (origin !== settings.uiOrigin) {
      throw new Problem(403, PROBLEM.forbidden, 'Forbidden', 'pages of this origin may not use the codec');
    }
    reply.header('access-control-allow-origin', origin).header('vary', 'Origin').headers(CORS_HEADERS);
  };

  for (const operation of ['decode', 'encode'] as const) {
    // The browser's preflight carries no credentials: it only learns that the UI's origin may call.
    app.options(`/${operation}`, { onRequest: checkOrigin, schema: { hide: true } }, async (_request, reply) =>
      reply.code(204).send(),
    );
    app.post(
      `/${operation}`,
      {
        // Who calls is settled before the body is read: a caller without the right gets no 4 MiB parsed.
        onRequest: [checkOrigin, allow(door, `payload.${operation}`, { originChecked: true })],
        bodyLimit: 4 * 1024 * 1024,
        schema: {
          summary: operation === 'decode' ? 'Decrypt payloads for the Temporal Web UI' : 'Encrypt payloads',
          description:
            "Temporal's remote codec protocol, for the Web UI's codec endpoint setting (`<this service>/codec`). " +
            (operation === 'decode'
              ? 'For an auditor or beheerder (their session, or their access token); never for an API key.'
              : 'For a beheerder only.'),
          body: codecBodySchema,
          response: { 200: codecBodySchema, ...problemResponses([400, 401, 403, 413, 422, 429]) },
        },
      },
      async (request) => {
        let result: Payload[];
        try {
          result = await run(settings.codecs, operation, request.body.payloads.map(toPayload));
        } catch (err) {
          // A payload of another key, or damaged: said without its content.
          throw new Problem(422, PROBLEM.refused, 'Unprocessable Content', (err as Error).message);
        }
        return { payloads: result.map(fromPayload) };
      },
    );
  }
}
