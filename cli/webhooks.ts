// `poortwachter webhooks`: the endpoints of POORTWACHTER_WEBHOOKS_FILE and whether each receives
// (`list`), an endpoint enabled again after it was disabled (`enable`), and a fresh secret for a new
// endpoint (`secret`).
import { randomBytes } from 'node:crypto';
import { shownUrl } from '../activities/webhooks.js';
import { disabledEndpoints, enableEndpoint } from '../client/webhooks.js';
import { loadWebhookEndpoints, WebhooksConfigError } from '../runtime/webhooks-config.js';
import { configOrExit, withClient } from './connect.js';
import { CliError, EXIT_FAILURE, EXIT_OK, type Io } from './io.js';
import { formatTable } from './table.js';

function endpointsOrExit(file: string | undefined) {
  try {
    return loadWebhookEndpoints(file);
  } catch (err) {
    if (err instanceof WebhooksConfigError) throw new CliError(err.message);
    throw err;
  }
}

export async function webhooksList(io: Io): Promise<number> {
  const config = configOrExit();
  const endpoints = endpointsOrExit(config.webhooksFile);
  if (endpoints.length === 0) {
    io.stdout.write('no webhook endpoints configured (set POORTWACHTER_WEBHOOKS_FILE, see docs/webhooks.md)\n');
    return EXIT_OK;
  }
  const disabled = await withClient((client) => disabledEndpoints({ client, taskQueue: config.taskQueue }));
  const rows = endpoints.map((e) => {
    const off = disabled[e.id];
    return [
      e.id,
      shownUrl(e.url),
      (e.events ?? ['all']).join(', '),
      off ? `disabled since ${off.since.slice(0, 16).replace('T', ' ')} UTC (${off.detail})` : 'enabled',
    ];
  });
  io.stdout.write(`${formatTable([['id', 'url', 'events', 'status'], ...rows])}\n`);
  return EXIT_OK;
}

export async function webhooksEnable(id: string, io: Io): Promise<number> {
  const config = configOrExit();
  if (!endpointsOrExit(config.webhooksFile).some((e) => e.id === id)) {
    throw new CliError(`there is no webhook endpoint "${id}" in ${config.webhooksFile ?? 'the configuration'}`);
  }
  const was = await withClient((client) => enableEndpoint({ client, taskQueue: config.taskQueue }, id));
  if (!was) {
    io.stdout.write(`webhook endpoint ${id} was not disabled\n`);
    return EXIT_FAILURE;
  }
  io.stdout.write(`webhook endpoint ${id} enabled: it receives the events from now on (not those in between)\n`);
  return EXIT_OK;
}

export function webhooksSecret(io: Io): number {
  io.stdout.write(`whsec_${randomBytes(32).toString('base64')}\n`);
  return EXIT_OK;
}
