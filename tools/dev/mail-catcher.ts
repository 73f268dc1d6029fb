// The dev mail inbox: MailDev catches every e-mail the worker sends and shows it in a browser.
// Messages are kept in the data folder, so the inbox survives a restart like the cases do.
//
// MailDev answers any web origin with credentials (CORS), so a page on any site the developer
// visits could read and delete the caught mail. It therefore listens on an internal port, and the
// inbox's port is a small proxy that refuses a request from another origin and drops MailDev's CORS
// headers: only the inbox page itself (and tools without an Origin, such as curl) may use its API.
import { freePort } from '../free-port.js';
import { request as httpRequest, createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { MailDev } from 'maildev';

export interface MailCatcher {
  smtpUrl: string;
  inboxUrl: string;
  stop(): Promise<void>;
}

export async function startMailCatcher(options: {
  dataDir: string;
  smtpPort: number;
  webPort: number;
}): Promise<MailCatcher> {
  const internalPort = await freePort();
  const maildev = new MailDev({
    smtp: options.smtpPort,
    web: internalPort,
    ip: '127.0.0.1',
    webIp: '127.0.0.1',
    mailDirectory: join(options.dataDir, 'mail'),
    silent: true,
  });
  let guard: Server | undefined;
  try {
    await maildev.start();
    guard = await startGuard(options.webPort, internalPort);
  } catch (err) {
    await maildev.stop().catch(() => undefined);
    throw new Error(
      `the mail catcher could not start on SMTP port ${options.smtpPort} / web port ${options.webPort} ` +
        `(${(err as Error).message}); choose other ports with MAIL_SMTP_PORT and MAIL_WEB_PORT`,
    );
  }
  return {
    smtpUrl: `smtp://127.0.0.1:${options.smtpPort}`,
    inboxUrl: `http://localhost:${options.webPort}`,
    async stop() {
      guard?.closeAllConnections();
      await new Promise<void>((resolve) => (guard ? guard.close(() => resolve()) : resolve()));
      await maildev.stop();
    },
  };
}

/** The origins of the inbox itself: a request from any other page is refused. */
function sameOrigin(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not from a browser page (curl), or a same-origin GET
  return origin === `http://localhost:${port}` || origin === `http://127.0.0.1:${port}`;
}

function startGuard(port: number, internalPort: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (!sameOrigin(req, port)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('only the inbox page may use its API\n');
      return;
    }
    // MailDev 3 serves its page as /index.html only; the address the dev stack prints is the bare one.
    if (req.url === '/') {
      res.writeHead(302, { location: '/index.html' }).end();
      return;
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port: internalPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const headers = Object.fromEntries(
          Object.entries(answer.headers).filter(([name]) => !name.startsWith('access-control-')),
        );
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  // The inbox's live updates (WebSocket): the same check, then the bytes go through as they are.
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (!sameOrigin(req, port)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(internalPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
