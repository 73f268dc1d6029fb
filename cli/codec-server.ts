// `poortwachter codec-server`: the decryption endpoint for the Temporal Web UI (runtime/codec-server.ts).
import { EncryptionCodec, KeyringError, loadKeyring } from '../runtime/codec.js';
import { startCodecServer } from '../runtime/codec-server.js';
import { ConfigError, loadConfig } from '../runtime/config.js';
import { CliError, EXIT_OK, type Io } from './io.js';
import { runCommand } from './program.js';

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

export interface CodecServerOptions {
  /** Default: the configuration's (POORTWACHTER_CODEC_PORT). */
  port?: number;
  host: string;
}

/** `stop` ends the server (tests); by default it runs until SIGINT or SIGTERM. */
export async function runCodecServer(options: CodecServerOptions, io: Io, stop?: Promise<unknown>): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const token = config.codecServer.token;
  if (!token) {
    throw new CliError(
      'POORTWACHTER_CODEC_TOKEN is not set: the codec server decrypts case data and refuses to run without a bearer token',
    );
  }
  let codec: EncryptionCodec;
  try {
    // Display only: a payload from before encryption is shown as it is.
    codec = new EncryptionCodec(loadKeyring(config), 'pass');
  } catch (err) {
    if (err instanceof KeyringError) throw new CliError(err.message);
    throw err;
  }
  const server = await startCodecServer({
    codec,
    token,
    corsOrigin: config.codecServer.corsOrigin,
    port: options.port ?? config.codecServer.port,
    host: options.host,
  });
  io.stdout.write(
    `codec server on ${server.url} (POST /decode, /encode) for the Web UI at ${config.codecServer.corsOrigin}; ` +
      `bearer token required. Ctrl-C stops it.\n`,
  );
  try {
    await (stop ?? untilSignal());
  } finally {
    await server.close();
  }
  return EXIT_OK;
}

/** `poortwachter codec-server <args>`; errors are thrown (usage errors as CliError), not written. */
export function codecServerCommand(args: string[], io: Io, stop?: Promise<unknown>): Promise<number> {
  return runCommand(['codec-server'], args, io, { rethrow: true, ...(stop && { codecServerStop: stop }) });
}
