// The SDK's logs through pino: a failure the SDK reports under `error` keeps its message and stack.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PinoSdkLogger } from '../runtime/sdk-runtime.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: new PinoSdkLogger(pino({ level: 'trace' }, stream)) };
}

describe('SDK logs through pino', () => {
  it('keeps the message and stack of a failure the SDK logs under `error`', () => {
    const { lines, logger } = capture();
    logger.warn('Activity failed', { activityType: 'notify', error: new Error('SMTP 421 try again later') });
    expect(lines[0]).toMatchObject({ msg: 'Activity failed', activityType: 'notify', level: 40 });
    expect(lines[0]!.err).toMatchObject({ type: 'Error', message: 'SMTP 421 try again later' });
    expect(String((lines[0]!.err as { stack: string }).stack)).toContain('runtime.test');
  });

  it('passes other metadata through unchanged', () => {
    const { lines, logger } = capture();
    logger.info('Workflow completed', { workflowId: 'case-K-1', error: 'not an Error' });
    expect(lines[0]).toMatchObject({ msg: 'Workflow completed', workflowId: 'case-K-1', error: 'not an Error' });
  });
});
