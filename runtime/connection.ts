// Turns the configuration into Temporal connection options, for the client and the worker alike.
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { encryptingDataConverter, loadKeyring } from './codec.js';
import type { Config } from './config.js';

/** Where the embedded dev server listens when no cluster is configured. */
export function temporalAddress(config: Config): string {
  return config.temporalAddress ?? `127.0.0.1:${config.ports.temporal}`;
}

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

/** Options shared by `Connection.connect` (client) and `NativeConnection.connect` (worker). */
export function connectionOptions(config: Config): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: temporalAddress(config) };
  if (config.tls) {
    const { serverRootCACertificatePath, clientCertPath, clientKeyPath, serverNameOverride } = config.tls;
    options.tls = {
      ...(serverRootCACertificatePath && { serverRootCACertificate: readFileSync(serverRootCACertificatePath) }),
      ...(clientCertPath &&
        clientKeyPath && { clientCertPair: { crt: readFileSync(clientCertPath), key: readFileSync(clientKeyPath) } }),
      ...(serverNameOverride && { serverNameOverride }),
    };
  }
  if (config.apiKey) options.apiKey = config.apiKey;
  return options;
}

/** A client whose payloads are encrypted with the configured keys (throws KeyringError without keys). */
export async function connectClient(config: Config): Promise<Client> {
  const dataConverter = encryptingDataConverter(loadKeyring(config));
  const connection = await Connection.connect(connectionOptions(config));
  return new Client({ connection, namespace: config.namespace, dataConverter });
}
