// Which webhook endpoints are disabled, kept by one long-lived workflow (webhookEndpointsWorkflow)
// so that every worker sees the same answer and a disabling survives restarts: the delivery
// activity signals `disable-endpoint` (starting the workflow if need be) and reads
// `disabled-endpoints`; a beheerder enables one again (`poortwachter webhooks enable`).
//
// Compatibility: these shapes travel in the workflow's history: add fields, never rename them.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DisabledEndpoint } from './contract.js';

export const WEBHOOK_ENDPOINTS_WORKFLOW_ID = 'webhook-endpoints';

export interface DisableEndpoint extends DisabledEndpoint {
  id: string;
}

export const disableEndpointSignal = defineSignal<[DisableEndpoint]>('disable-endpoint');
/** Enables an endpoint again; answers whether it was disabled. */
export const enableEndpointUpdate = defineUpdate<boolean, [string]>('enable-endpoint');
export const disabledEndpointsQuery = defineQuery<Record<string, DisabledEndpoint>>('disabled-endpoints');

export interface WebhookEndpointsState {
  disabled: Record<string, DisabledEndpoint>;
  /** Disablings not yet reported to the operations address. */
  unreported: DisableEndpoint[];
  /** Reports sent so far: numbers each report's Message-ID. */
  reports: number;
}
