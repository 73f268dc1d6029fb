// A webhook receiver on loopback, as an arbodienst's system would run one: it checks every request's
// signature with the Standard Webhooks reference library (not our code), keeps what it received, and
// answers as each test tells it (a status code, or holding the request without an answer).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  path: string;
  id: string;
  timestamp: string;
  body: string;
  /** The signature checked out with the endpoint's secret (and the timestamp is recent). */
  verified: boolean;
  /** What the receiver answered; undefined while held (or never, when the sender went away). */
  status?: number;
  json: { type: string; timestamp: string; data: Record<string, unknown> };
}

/** How the receiver answers one request: a status code, or 'hold' (no answer until the test releases it). */
export type Answer = number | 'hold';

export interface WebhookReceiver {
  url(path: string): string;
  received: ReceivedWebhook[];
  /** What to answer at `path`: called for each request with those received there before it. */
  answer(path: string, decide: (request: ReceivedWebhook, before: ReceivedWebhook[]) => Answer): void;
  /** Resolves once a request satisfies `match` (checked against those received already, too). */
  waitFor(match: (r: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  /** Answers the held requests with 200 (their sender may be gone). */
  release(): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secrets: Record<string, string>): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const answers = new Map<string, (r: ReceivedWebhook, before: ReceivedWebhook[]) => Answer>();
  const held: { request: ReceivedWebhook; res: ServerResponse }[] = [];
  const waiters: { match: (r: ReceivedWebhook) => boolean; resolve: (r: ReceivedWebhook) => void }[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const header = (name: string) => String(req.headers[name] ?? '');
    const headers = {
      'webhook-id': header('webhook-id'),
      'webhook-timestamp': header('webhook-timestamp'),
      'webhook-signature': header('webhook-signature'),
    };
    let verified = false;
    const secret = secrets[path];
    try {
      if (secret) {
        new Webhook(secret).verify(body, headers);
        verified = true;
      }
    } catch {
      verified = false;
    }
    const request: ReceivedWebhook = {
      path,
      id: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      body,
      verified,
      json: JSON.parse(body),
    };
    const before = received.filter((r) => r.path === path);
    received.push(request);
    const answer = answers.get(path)?.(request, before) ?? 200;
    if (answer !== 'hold') request.status = answer;
    for (const w of waiters.splice(0)) {
      if (w.match(request)) w.resolve(request);
      else waiters.push(w);
    }
    if (answer === 'hold') held.push({ request, res });
    else res.writeHead(answer).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const release = () => {
    for (const { request, res } of held.splice(0)) {
      request.status = 200;
      if (!res.destroyed) res.writeHead(200).end();
    }
  };
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    answer: (path, decide) => answers.set(path, decide),
    waitFor: (match, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const seen = received.find(match);
        if (seen) return resolve(seen);
        const timer = setTimeout(() => reject(new Error(`no such webhook within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ match, resolve: (r) => (clearTimeout(timer), resolve(r)) });
      }),
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A fresh secret in the format the configuration takes (`whsec_` + base64 of 32 random bytes). */
export function newSecret(): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`;
}
