// Connection security for a remote cluster, tested for real: the dev server has no TLS of its own,
// so a TLS terminator (node:tls, HTTP/2 via ALPN, client certificates required and checked against
// the test CA) stands in front of it. The client (connectClient) and the worker (createCaseWorker)
// connect through it with the configuration's TEMPORAL_TLS_* variables and run a case; a missing
// client certificate, a certificate from another CA, or an untrusted server are refused.
// The certificates in test/fixtures/tls are test-only (CA key discarded), valid until 2126.
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { Connection } from '@temporalio/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getCase, openCase } from '../client/cases.js';
import { loadConfig } from '../runtime/config.js';
import { connectClient, connectionOptions } from '../runtime/connection.js';
import { createCaseWorker } from '../worker/worker.js';
import { amsterdamDate } from '../workflows/calendar/amsterdam-time.js';
import { sampleCase } from './setup/case-world.js';
import { startSmtpSink, type SmtpSink } from '../tools/smtp-sink.js';
import { workflowBundle } from './setup/temporal.js';

const fixture = (name: string) => new URL(`./fixtures/tls/${name}`, import.meta.url).pathname;

describe('TLS and mutual TLS to a remote cluster', () => {
  let proxy: Server;
  let address: string;
  let sink: SmtpSink;
  beforeAll(async () => {
    const [host, port] = inject('devServerAddress').split(':') as [string, string];
    proxy = createServer(
      {
        key: readFileSync(fixture('server.key')),
        cert: readFileSync(fixture('server.pem')),
        ca: readFileSync(fixture('ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['h2'],
      },
      (socket) => {
        const upstream = netConnect(Number(port), host);
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      },
    );
    proxy.on('tlsClientError', () => {}); // refused handshakes are the point of some tests
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    address = `localhost:${(proxy.address() as { port: number }).port}`;
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink?.close();
    await new Promise((resolve) => proxy?.close(resolve));
  });

  const env = (extra: Record<string, string>) => ({
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: `tls-${process.pid}`,
    POORTWACHTER_KEYS: inject('codecKeys'),
    SMTP_URL: sink.url,
    ...extra,
  });

  it('runs a case with client and worker over mutual TLS', async () => {
    const config = loadConfig(
      env({
        TEMPORAL_TLS_CA: fixture('ca.pem'),
        TEMPORAL_TLS_CERT: fixture('client.pem'),
        TEMPORAL_TLS_KEY: fixture('client.key'),
      }),
    );
    expect(config.tls).toMatchObject({ clientCertPath: fixture('client.pem') });
    const { worker, close } = await createCaseWorker({
      config,
      logger: pino({ level: 'warn' }),
      options: { workflowBundle: await workflowBundle() },
    });
    const running = worker.run();
    const client = await connectClient(config);
    try {
      const caseId = `tls-${Date.now().toString(36)}`;
      const cases = { client, taskQueue: config.taskQueue };
      // Through the production wiring, in real time: a case whose first sick day is today, which is
      // open on any day.
      await openCase(cases, sampleCase(caseId, amsterdamDate(Date.now())));
      const view = await getCase(cases, caseId);
      expect(view.status).toBe('open');
      await client.workflow.getHandle(`case-${caseId}`).terminate('test finished');
    } finally {
      await client.connection.close();
      worker.shutdown();
      await running;
      await close();
    }
  });

  it('is refused without a client certificate, with one from another CA, or when the server is not trusted', async () => {
    // The options connectClient and createCaseWorker use, with a short timeout so a refusal is quick.
    const attempt = async (extra: Record<string, string>) => {
      const options = connectionOptions(loadConfig(env(extra)));
      const connection = await Connection.connect({ ...options, connectTimeout: 2_000 }).catch((e: unknown) => e);
      if (connection instanceof Connection) {
        const err = await connection.workflowService.getSystemInfo({}).catch((e: unknown) => e);
        await connection.close();
        return err;
      }
      return connection;
    };
    expect(await attempt({ TEMPORAL_TLS_CA: fixture('ca.pem') })).toBeInstanceOf(Error);
    expect(
      await attempt({
        TEMPORAL_TLS_CA: fixture('ca.pem'),
        TEMPORAL_TLS_CERT: fixture('rogue-client.pem'),
        TEMPORAL_TLS_KEY: fixture('rogue-client.key'),
      }),
    ).toBeInstanceOf(Error);
    expect(
      await attempt({
        TEMPORAL_TLS_CA: fixture('other-ca.pem'),
        TEMPORAL_TLS_CERT: fixture('client.pem'),
        TEMPORAL_TLS_KEY: fixture('client.key'),
      }),
    ).toBeInstanceOf(Error);
  }, 60_000);

  it('passes an API key with TLS on, and refuses half a configuration clearly', () => {
    const options = connectionOptions(
      loadConfig({ TEMPORAL_ADDRESS: 'eu.api.temporal.example:7233', TEMPORAL_API_KEY: 'k' }),
    );
    expect(options.apiKey).toBe('k');
    expect(options.tls).toEqual({});
    expect(() => loadConfig(env({ TEMPORAL_TLS_CERT: fixture('client.pem') }))).toThrow(
      /TEMPORAL_TLS_KEY is required when TEMPORAL_TLS_CERT is set/,
    );
    expect(() => loadConfig(env({ TEMPORAL_TLS_KEY: fixture('client.key') }))).toThrow(
      /TEMPORAL_TLS_CERT is required when TEMPORAL_TLS_KEY is set/,
    );
  });
});
