// The codec endpoint for the Temporal Web UI: the UI sends the encrypted payloads it shows to this
// server (POST <endpoint>/decode, Temporal's remote codec protocol), which decrypts them with the
// keyring and sends them back, so an authorised operator reads cases in the UI while the server and
// its database only ever see ciphertext. Only the configured UI origin may call it from a browser
// (CORS), and every request must carry `Authorization: Bearer <token>`.
//
// Protocol: body and answer are JSON `{ "payloads": [ { "metadata": { "<key>": "<base64>" }, "data":
// "<base64>" } ] }`; /encode does the reverse of /decode.
//
// The HTTP service serves the same protocol at /codec behind its login (service/codec.ts); this
// standalone server is for operators who run the Web UI without the service.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The bearer token every request must carry. */
  token: string;
  /** The one browser origin allowed (the Temporal Web UI), e.g. http://localhost:8233. */
  corsOrigin: string;
  port: number;
  /** Defaults to 127.0.0.1: put a TLS-terminating proxy in front to serve other machines. */
  host?: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: 'must be base64' });
/** The body of /encode and /decode, and of their answers (the remote codec protocol). */
export const codecBodySchema = z.strictObject({
  payloads: z
    .array(z.strictObject({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }))
    .max(10_000),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function toPayload(json: z.infer<typeof codecBodySchema>['payloads'][number]): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(json.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
    ),
    data: new Uint8Array(Buffer.from(json.data ?? '', 'base64')),
  };
}

export function fromPayload(payload: Payload) {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v ?? new Uint8Array()).toString('base64'),
      ]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(413, `request body larger than ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const { codec, corsOrigin } = options;
  if (options.token.length < 16) throw new Error('the codec server token must be at least 16 characters');
  const tokenDigest = digest(options.token);
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;

  const corsHeaders = {
    'Access-Control-Allow-Origin': corsOrigin,
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace',
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<{ status: number; body?: unknown }> {
    const origin = req.headers.origin;
    // A browser page from any other origin gets no CORS headers and no answer.
    if (origin !== undefined && origin !== corsOrigin) throw new HttpError(403, `origin ${origin} is not allowed`);
    if (origin !== undefined) for (const [k, v] of Object.entries(corsHeaders)) res.setHeader(k, v);
    if (req.method === 'OPTIONS') return { status: 204 }; // preflight carries no credentials

    const auth = req.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(auth);
    if (!match || !timingSafeEqual(digest(match[1]!), tokenDigest)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new HttpError(401, 'a valid Authorization: Bearer <token> header is required');
    }
    const path = new URL(req.url ?? '/', 'http://codec').pathname;
    const operation = path.endsWith('/decode') ? 'decode' : path.endsWith('/encode') ? 'encode' : undefined;
    if (!operation) throw new HttpError(404, 'use POST /encode or POST /decode');
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST, OPTIONS');
      throw new HttpError(405, `${req.method} is not allowed; use POST`);
    }
    const text = await readBody(req, maxBody);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'the body must be JSON: { "payloads": [ ... ] }');
    }
    const parsed = codecBodySchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new HttpError(400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    const payloads = parsed.data.payloads.map(toPayload);
    let result: Payload[];
    try {
      result = await (operation === 'decode' ? codec.decode(payloads) : codec.encode(payloads));
    } catch (err) {
      throw new HttpError(422, (err as Error).message);
    }
    return { status: 200, body: { payloads: result.map(fromPayload) } };
  }

  const server = createServer((req, res) => {
    handle(req, res)
      .then(({ status, body }) => {
        res.statusCode = status;
        if (body !== undefined) res.setHeader('Content-Type', 'application/json');
        res.end(body === undefined ? undefined : JSON.stringify(body));
      })
      .catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        res.statusCode = status;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ error: err instanceof HttpError ? err.message : 'internal error' }));
        if (status === 413) req.destroy();
      });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
