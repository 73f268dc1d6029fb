// `poortwachter codec-server`: the decryption endpoint for the Temporal Web UI (runtime/codec-server.ts).
import { parseArgs } from 'node:util';
import { EncryptionCodec, KeyringError, loadKeyring } from '../runtime/codec.js';
import { startCodecServer } from '../runtime/codec-server.js';
import { ConfigError, loadConfig } from '../runtime/config.js';
import { CliError, EXIT_OK, type Io } from './io.js';

const USAGE = `Usage: poortwachter codec-server [--port 8888] [--host 127.0.0.1]

Serves POST /decode and /encode (Temporal's remote codec protocol) so that the Temporal Web UI shows
case payloads decrypted to an authorised operator. Needs the payload keys (POORTWACHTER_KEYS_FILE or
POORTWACHTER_KEYS), a bearer token (POORTWACHTER_CODEC_TOKEN, at least 16 characters) that every request
must carry, and answers browsers from one origin only: POORTWACHTER_CODEC_CORS_ORIGIN (default: the
local Web UI, http://localhost:$TEMPORAL_UI_PORT). In the Web UI: Settings → Codec Server endpoint.
`;

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

/** `stop` ends the server (tests); by default it runs until SIGINT or SIGTERM. */
export async function codecServerCommand(
  args: string[],
  io: Io,
  stop: Promise<unknown> = untilSignal(),
): Promise<number> {
  let values: { port?: string; host?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const port = values.port === undefined ? config.codecServer.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`--port: "${values.port}" must be a port number (0 to 65535)`);
  }
  const token = config.codecServer.token;
  if (!token) {
    throw new CliError(
      'POORTWACHTER_CODEC_TOKEN is not set: the codec server decrypts case data and refuses to run without a bearer token',
    );
  }
  let codec: EncryptionCodec;
  try {
    codec = new EncryptionCodec(loadKeyring(config));
  } catch (err) {
    if (err instanceof KeyringError) throw new CliError(err.message);
    throw err;
  }
  const server = await startCodecServer({
    codec,
    token,
    corsOrigin: config.codecServer.corsOrigin,
    port,
    host: values.host ?? '127.0.0.1',
  });
  io.stdout.write(
    `codec server on ${server.url} (POST /decode, /encode) for the Web UI at ${config.codecServer.corsOrigin}; ` +
      `bearer token required. Ctrl-C stops it.\n`,
  );
  try {
    await stop;
  } finally {
    await server.close();
  }
  return EXIT_OK;
}
