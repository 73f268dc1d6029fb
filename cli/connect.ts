// How a CLI command gets a Temporal client: configuration and keys checked, the server reached,
// every failure turned into a message for the user, the connection closed afterwards.
import type { Client } from '@temporalio/client';
import { KeyringError } from '../runtime/codec.js';
import { ConfigError, loadConfig, type Config } from '../runtime/config.js';
import { connectClient, temporalAddress } from '../runtime/connection.js';
import { CliError, EXIT_FAILURE } from './io.js';

export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
}

export async function withClient<T>(work: (client: Client, config: Config) => Promise<T>): Promise<T> {
  const config = configOrExit();
  let client: Client;
  try {
    client = await connectClient(config);
  } catch (err) {
    if (err instanceof KeyringError) throw new CliError(err.message);
    throw new CliError(
      `cannot reach Temporal at ${temporalAddress(config)} (${(err as Error).message}); ` +
        (config.temporalAddress ? 'check TEMPORAL_ADDRESS and the TLS settings' : 'is `npm run dev` running?'),
      EXIT_FAILURE,
    );
  }
  try {
    return await work(client, config);
  } finally {
    await client.connection.close();
  }
}
