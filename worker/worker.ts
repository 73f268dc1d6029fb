// Builds a worker for the project's task queue: the workflows bundled from workflows/, the
// activities wired to the real world (SMTP).
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { activityConfig, createActivities, type Activities } from '../activities/index.js';
import { createMailer, SMTP_SESSIONS } from '../activities/mail.js';
import { encryptingDataConverter, KeyringError, loadKeyring } from '../runtime/codec.js';
import { searchKeysOf } from '../runtime/search-keys.js';
import type { Config } from '../runtime/config.js';
import { connectionOptions, temporalAddress } from '../runtime/connection.js';
import { workflowsPath } from '../runtime/project.js';
import { caseOpener, caseReader } from '../client/cases.js';
import { endpointRegistry } from '../client/webhooks.js';
import { loadWebhookEndpoints } from '../runtime/webhooks-config.js';
import { installRuntime } from '../runtime/sdk-runtime.js';

export interface WorkerSetup {
  config: Config;
  logger: Logger;
  /** Defaults to a connection built from the configuration. */
  connection?: NativeConnection;
  /** Defaults to the real activities with an SMTP mailer from the configuration. */
  activities?: Activities;
  /** Extra options, e.g. a prebuilt workflowBundle in tests. */
  options?: Partial<WorkerOptions>;
}

export interface RunningWorker {
  worker: Worker;
  /** Closes what createCaseWorker opened (connection, mailer) after the worker stopped. */
  close(): Promise<void>;
}

export async function createCaseWorker(setup: WorkerSetup): Promise<RunningWorker> {
  const { config, logger } = setup;
  installRuntime(logger);
  // A mistake in the webhook file stops the worker here, naming the endpoint and the field.
  const webhookEndpoints = setup.activities ? [] : loadWebhookEndpoints(config.webhooksFile);
  if (!setup.activities) {
    // Every worker of a task queue needs the same file: one without it delivers its cases' events to nobody.
    if (webhookEndpoints.length === 0)
      logger.info('webhooks: off (no POORTWACHTER_WEBHOOKS_FILE, or no endpoints in it)');
    else
      logger.info({ endpoints: webhookEndpoints.map((e) => e.id) }, `webhooks: ${webhookEndpoints.length} endpoint(s)`);
  }
  // Payloads encrypted with the configured keys; refused early (KeyringError) when there are none.
  const dataConverter = setup.options?.dataConverter ?? encryptingDataConverter(loadKeyring(config));
  // The searchable identifiers are keyed with the same key ring (runtime/search-keys.ts).
  const keys = setup.activities ? undefined : searchKeysOf(dataConverter.payloadCodecs ?? []);
  if (!setup.activities && !keys)
    throw new KeyringError('the worker needs an encryption codec: its key ring keys the searchable identifiers');
  // The worker's namespace (the options may set another): the digest's reads use it too.
  const namespace = setup.options?.namespace ?? config.namespace;
  // What this function opens: closed in reverse order by close(), or at once when the worker cannot
  // be created, so that a caller that handles the error is not left with open connections.
  const opened: Array<() => unknown> = [];
  const close = async () => {
    let first: unknown;
    for (const closeOne of opened.splice(0).reverse()) {
      try {
        await closeOne();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  };
  try {
    const ownConnection = setup.connection ? undefined : await NativeConnection.connect(connectionOptions(config));
    if (ownConnection) opened.push(() => ownConnection.close());
    const mailer = setup.activities ? undefined : createMailer(config.smtpUrl, config.mailFrom);
    if (mailer) opened.push(() => mailer.close());
    // The daily digest lists and reads cases, the bulk import opens them: a client with the same keys
    // as the worker.
    const clientConnection = setup.activities ? undefined : await Connection.connect(connectionOptions(config));
    if (clientConnection) opened.push(() => clientConnection.close());
    const client = clientConnection && new Client({ connection: clientConnection, namespace, dataConverter });
    await refuseUnknownNamespace(setup.connection ?? ownConnection!, namespace, temporalAddress(config));
    const worker = await Worker.create({
      connection: setup.connection ?? ownConnection,
      namespace,
      taskQueue: config.taskQueue,
      ...(setup.options?.workflowBundle ? {} : { workflowsPath }),
      maxCachedWorkflows: config.maxCachedWorkflows,
      // One activity per SMTP session: see SMTP_SESSIONS.
      maxConcurrentActivityTaskExecutions: SMTP_SESSIONS,
      activities:
        setup.activities ??
        createActivities({
          mailer: mailer!,
          ...activityConfig(config),
          searchKeys: keys!,
          cases: caseReader({ client: client!, taskQueue: config.taskQueue }),
          // The bulk import opens its cases on this worker's task queue, with the same client.
          caseOpener: caseOpener({ client: client!, taskQueue: config.taskQueue }),
          webhooks: {
            endpoints: webhookEndpoints,
            registry: endpointRegistry({ client: client!, taskQueue: config.taskQueue }),
          },
        }),
      ...setup.options,
      dataConverter,
    });
    return { worker, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

const GRPC_NOT_FOUND = 5;

/**
 * The most common refusal, a namespace that does not exist, asked before Worker.create: a clearer
 * error than the SDK's, and before the SDK starts a workflow thread that it does not stop again when
 * the server refuses the worker (SDK 1.24). Other errors are left to Worker.create to judge.
 */
async function refuseUnknownNamespace(connection: NativeConnection, namespace: string, address: string) {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) {
      throw new Error(`namespace "${namespace}" does not exist on ${address} (TEMPORAL_NAMESPACE)`);
    }
  }
}
