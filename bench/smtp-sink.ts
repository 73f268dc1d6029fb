// The benchmark's mail box: an SMTP server on loopback that only reads the Message-ID header of
// what it receives (no MIME parsing: thousands of messages) and counts each one.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CountingSink {
  url: string;
  /** Message-ID → how many times it arrived. */
  counts: Map<string, number>;
  total(): number;
  close(): Promise<void>;
}

export async function startCountingSink(): Promise<CountingSink> {
  const counts = new Map<string, number>();
  let total = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headerEnd = raw.indexOf('\r\n\r\n');
        const headers = (headerEnd >= 0 ? raw.slice(0, headerEnd) : raw).replace(/\r\n[ \t]+/g, ' ');
        const id = /^message-id:\s*(.+)$/im.exec(headers)?.[1]?.trim() ?? '(none)';
        counts.set(id, (counts.get(id) ?? 0) + 1);
        total++;
        callback();
      });
      stream.on('error', callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    counts,
    total: () => total,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
