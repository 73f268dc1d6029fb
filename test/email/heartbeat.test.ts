// The heartbeat recorder notify relies on for exactly-once delivery: what it sends the server, and
// that it never throws (by the time it runs the message is accepted; a failed attempt would send it
// again). The real round trip, through a worker crash, is test/email/exactly-once.test.ts.
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers.js';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { heartbeatRecorder, type HeartbeatConnection } from '../../activities/heartbeat.js';
import { encryptingDataConverter, generateKey, parseKeyring } from '../../client/codec.js';

type Request = temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatRequest;

/**
 * A connection whose first `failures` calls fail with `error` (or, with `hang`, never answer until
 * their deadline passes), then answer. Deadlines are kept as withDeadline would pass them to gRPC.
 */
function connection(
  failures: number,
  { error = Object.assign(new Error('unavailable'), { code: 14 }), hang = false } = {},
) {
  const calls: Request[] = [];
  const deadlines: number[] = [];
  let deadline = Infinity;
  const conn: HeartbeatConnection = {
    workflowService: {
      async recordActivityTaskHeartbeat(request) {
        calls.push(request);
        if (calls.length > failures) return {};
        if (!hang) throw error;
        // As gRPC does: the call fails with DEADLINE_EXCEEDED when its deadline passes.
        await new Promise((resolve) => setTimeout(resolve, Math.max(deadline - Date.now(), 0)));
        throw Object.assign(new Error('deadline exceeded'), { code: 4 });
      },
    },
    async withDeadline(d, fn) {
      deadline = Number(d);
      deadlines.push(deadline);
      try {
        return await fn();
      } finally {
        deadline = Infinity;
      }
    },
  };
  return { conn, calls, deadlines };
}

const converter = encryptingDataConverter(parseKeyring(`k1:${generateKey()}`, 'test key'));
const attempt = { taskToken: new Uint8Array([1, 2, 3]), workflowId: 'case-c1', activityId: '7' };
const details = { accepted: '<c1.reminder@poortwachter>', recipients: ['cm@arbo.example'] };

describe('heartbeatRecorder', () => {
  it('sends the details encoded (encrypted) with the worker converter, for this attempt', async () => {
    const { conn, calls } = connection(0);
    expect(await heartbeatRecorder(conn, 'ns', converter)({ ...attempt, details })).toBe(true);
    expect(calls).toHaveLength(1);
    const [request] = calls;
    expect(request!.namespace).toBe('ns');
    expect(request!.taskToken).toEqual(attempt.taskToken);
    const payload = request!.details!.payloads![0]!;
    // Encrypted: the Message-ID is not readable on the server.
    expect(Buffer.from(payload.data!).toString('latin1')).not.toContain('poortwachter');
    const decoded = await decodeFromPayloadsAtIndex(loadDataConverter(converter), 0, request!.details!.payloads);
    expect(decoded).toEqual(details);
  });

  it('calls again after a failure until the server answers', async () => {
    const { conn, calls } = connection(2);
    expect(await heartbeatRecorder(conn, 'ns', converter)({ ...attempt, details })).toBe(true);
    expect(calls).toHaveLength(3);
  });

  it('gives up without throwing when the calls keep failing', async () => {
    const { conn, calls } = connection(Infinity);
    const recorded = await heartbeatRecorder(conn, 'ns', converter, { timeoutMs: 200 })({ ...attempt, details });
    expect(recorded).toBe(false);
    expect(calls.length).toBeGreaterThan(1);
  });

  it('ends a call that hangs at the deadline of the whole recording', async () => {
    const { conn, calls, deadlines } = connection(Infinity, { hang: true });
    const t0 = Date.now();
    const recorded = await heartbeatRecorder(conn, 'ns', converter, { timeoutMs: 300 })({ ...attempt, details });
    const took = Date.now() - t0;
    expect(recorded).toBe(false);
    expect(calls).toHaveLength(1);
    expect(deadlines[0]).toBeLessThanOrEqual(t0 + 300);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2_000);
  });

  it('stops at once when the attempt is gone on the server (NOT_FOUND)', async () => {
    const { conn, calls } = connection(Infinity, { error: Object.assign(new Error('not found'), { code: 5 }) });
    expect(await heartbeatRecorder(conn, 'ns', converter)({ ...attempt, details })).toBe(false);
    expect(calls).toHaveLength(1);
  });
});
