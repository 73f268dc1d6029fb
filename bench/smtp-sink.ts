// The benchmark's mail box: an SMTP server on loopback that only reads the Message-ID header of
// what it receives (no MIME parsing: thousands of messages) and counts each one.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CountingSink {
  url: string;
  /** Message-ID → how many times it arrived. */
  counts: Map<string, number>;
  total(): number;
  /** Message-ID → when each copy arrived (ms since the epoch): to relate a duplicate to a crash. */
  arrivals: Map<string, number[]>;
  /** While on, every new connection and every new transaction is answered "421" (an outage). */
  refuse(on: boolean): void;
  /** How many connections and transactions were refused so far. */
  refused(): number;
  /** Counts a message as arrived without SMTP (the lifecycle's `--only nomail` run). */
  record(messageId: string): void;
  close(): Promise<void>;
}

export async function startCountingSink(): Promise<CountingSink> {
  const counts = new Map<string, number>();
  const arrivals = new Map<string, number[]>();
  let total = 0;
  let refusing = false;
  let refused = 0;
  const record = (id: string) => {
    counts.set(id, (counts.get(id) ?? 0) + 1);
    arrivals.set(id, [...(arrivals.get(id) ?? []), Date.now()]);
    total++;
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // On close, a mailer's pooled session still open (a worker that is gone) is dropped after a second
    // instead of smtp-server's 30.
    closeTimeout: 1000,
    size: 10 * 1024 * 1024,
    // 421: the reply of an SMTP server that cannot serve now; the client must try again later. New
    // connections get it at once, open ones (a pooling mailer keeps them) on their next MAIL FROM; a
    // transaction already past MAIL FROM completes, so no message arrives that the client saw fail.
    onConnect(_session, callback) {
      callback(refusal());
    },
    onMailFrom(_address, _session, callback) {
      callback(refusal());
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headerEnd = raw.indexOf('\r\n\r\n');
        const headers = (headerEnd >= 0 ? raw.slice(0, headerEnd) : raw).replace(/\r\n[ \t]+/g, ' ');
        record(/^message-id:\s*(.+)$/im.exec(headers)?.[1]?.trim() ?? '(none)');
        callback();
      });
      stream.on('error', callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  function refusal(): Error | undefined {
    if (!refusing) return undefined;
    refused++;
    return Object.assign(new Error('service not available, try again later'), { responseCode: 421 });
  }
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    counts,
    total: () => total,
    record,
    arrivals,
    refuse: (on) => {
      refusing = on;
    },
    refused: () => refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
