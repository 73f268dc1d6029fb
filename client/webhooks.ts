// The disabled webhook endpoints, as the webhook-endpoints workflow keeps them: read by the delivery
// activity and `poortwachter webhooks`, disabled by the activity, enabled again by a beheerder.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { DisabledEndpoint } from '../workflows/contract.js';
import {
  disabledEndpointsQuery,
  disableEndpointSignal,
  enableEndpointUpdate,
  WEBHOOK_ENDPOINTS_WORKFLOW_ID,
  type DisableEndpoint,
} from '../workflows/webhook-endpoints.js';
import type { CaseClientOptions } from './cases.js';

/** The disabled endpoints by id; none while nothing was ever disabled (the workflow does not exist). */
export async function disabledEndpoints({ client }: CaseClientOptions): Promise<Record<string, DisabledEndpoint>> {
  try {
    return await client.workflow.getHandle(WEBHOOK_ENDPOINTS_WORKFLOW_ID).query(disabledEndpointsQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return {};
    throw err;
  }
}

/** Disables an endpoint (starting the workflow the first time); the first disabling is reported. */
export async function disableEndpoint({ client, taskQueue }: CaseClientOptions, endpoint: DisableEndpoint) {
  await client.workflow.signalWithStart('webhookEndpointsWorkflow', {
    workflowId: WEBHOOK_ENDPOINTS_WORKFLOW_ID,
    taskQueue,
    args: [],
    signal: disableEndpointSignal,
    signalArgs: [endpoint],
  });
}

/** Enables an endpoint again; whether it was disabled. */
export async function enableEndpoint({ client }: CaseClientOptions, id: string): Promise<boolean> {
  try {
    return await client.workflow.getHandle(WEBHOOK_ENDPOINTS_WORKFLOW_ID).executeUpdate(enableEndpointUpdate, {
      args: [id],
    });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** The registry the delivery activity uses: reads cached briefly, since every delivery asks. */
export function endpointRegistry(options: CaseClientOptions, cacheMs = 5_000) {
  let cached: { at: number; value: Promise<Record<string, DisabledEndpoint>> } | undefined;
  return {
    disabled() {
      if (!cached || Date.now() - cached.at > cacheMs) {
        const value = disabledEndpoints(options);
        cached = { at: Date.now(), value };
        value.catch(() => (cached = undefined));
      }
      return cached.value;
    },
    async disable(endpoint: DisableEndpoint) {
      await disableEndpoint(options, endpoint);
      cached = undefined;
    },
  };
}
