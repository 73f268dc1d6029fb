// The disabled webhook endpoints (webhook-endpoints.ts): a disabling is kept and reported once to
// the arbodienst's operations address; enabling removes it. Runs until it is terminated, continuing
// as new when its history grows.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from './contract.js';
import {
  disabledEndpointsQuery,
  disableEndpointSignal,
  enableEndpointUpdate,
  type WebhookEndpointsState,
} from './webhook-endpoints.js';

const { notify } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  // Reported for as long as SMTP fails; a refusal for good fails the activity and is dropped below.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});

export async function webhookEndpointsWorkflow(carried?: WebhookEndpointsState): Promise<void> {
  const state: WebhookEndpointsState = carried ?? { disabled: {}, unreported: [], reports: 0 };
  setHandler(disabledEndpointsQuery, () => state.disabled);
  setHandler(disableEndpointSignal, (endpoint) => {
    // Only what a worker sends (a payload without the keys arrives as the codec's marker, no id).
    if (typeof endpoint?.id !== 'string' || typeof endpoint.url !== 'string') return;
    // Many cases meet the same 410 at once: the first disabling counts, the rest change nothing.
    if (state.disabled[endpoint.id]) return;
    const { id, ...disabled } = endpoint;
    state.disabled[id] = disabled;
    state.unreported.push(endpoint);
  });
  setHandler(
    enableEndpointUpdate,
    (id) => {
      const was = id in state.disabled;
      delete state.disabled[id];
      return was;
    },
    {
      validator: (id) => {
        if (typeof id !== 'string') throw new Error('enable-endpoint takes the id of an endpoint');
      },
    },
  );
  for (;;) {
    await condition(() => state.unreported.length > 0 || workflowInfo().continueAsNewSuggested);
    while (state.unreported.length > 0) {
      const endpoint = state.unreported[0]!;
      state.reports++;
      await notify({
        kind: 'webhook-disabled',
        messageId: `<webhook-disabled.${endpoint.id.replace(/[^A-Za-z0-9.-]/g, '.')}.${state.reports}@poortwachter>`,
        to: [],
        language: 'nl',
        endpoint,
      }).catch(() => undefined); // refused for good: the disabling stands, the log of the activity says why
      state.unreported.shift();
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof webhookEndpointsWorkflow>(state);
    }
  }
}
