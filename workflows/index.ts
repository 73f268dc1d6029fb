// Every workflow the worker runs. The worker bundles this file (and what it imports) into the
// deterministic workflow sandbox, so nothing here may touch the outside world.
export { caseWorkflow } from './case-workflow.js';
export { digestWorkflow, casemanagerDigestWorkflow } from './digest-workflow.js';
export { importWorkflow } from './import-workflow.js';
export { webhookEndpointsWorkflow } from './webhook-endpoints-workflow.js';
