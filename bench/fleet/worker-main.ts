// The production worker (`poortwachter worker`, from the bench's build of the same sources) as the
// fleet runs it, with one thing added: it counts the queries its Temporal client sends, by workflow
// id prefix and query type, and answers the counts to its parent over IPC. A query is the only way the
// digest's activities read a case, so the count says whether the digest read any case one by one.
import { WorkflowClient } from '@temporalio/client';
import { main } from '../../cli/main.js';

interface QueryInput {
  queryType: string;
  workflowExecution: { workflowId: string };
}

const counts: Record<string, number> = {};
// The SDK's own query path (WorkflowHandle.query calls it through the interceptors): wrapped, not changed.
const client = WorkflowClient.prototype as unknown as { _queryWorkflowHandler(input: QueryInput): Promise<unknown> };
const query = client._queryWorkflowHandler;
client._queryWorkflowHandler = function (this: unknown, input: QueryInput) {
  const key = `${input.workflowExecution.workflowId.split('-')[0]} ${input.queryType}`;
  counts[key] = (counts[key] ?? 0) + 1;
  return query.call(this, input);
};
process.on('message', () => process.send?.({ queries: counts }));
// The IPC channel must not keep the process alive once the worker stopped.
process.channel?.unref();
process.exitCode = await main(['worker']);
