// The workflow sandbox's code, bundled as the worker bundles it from workflowsPath: with the failure
// converter (workflows/failure-converter.ts), so that a failure raised in a workflow is encrypted too.
// For the tools, tests and benchmarks that bundle once and hand the bundle to several workers.
import { bundleWorkflowCode, type Logger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { failureConverterPath, workflowsPath } from './project.js';

export function bundleWorkflows(logger: Logger, path = workflowsPath): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: path, failureConverterPath, logger });
}
