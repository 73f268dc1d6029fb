// The heartbeat recorder notify relies on for exactly-once delivery: what it sends the server, that
// it ends within its time limit, and that it never throws (by the time it runs the message is
// accepted; a failed attempt would send it again). The real round trip, through a worker crash, is
// test/email/exactly-once.test.ts.
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers.js';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { heartbeatRecorder, type HeartbeatConnection } from '../../activities/heartbeat.js';
import { encryptingDataConverter, generateKey, parseKeyring } from '../../client/codec.js';

type Request = temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatRequest;

/**
 * A connection whose call answers, fails with `error` (as the SDK's connection does once its own
 * retries of UNAVAILABLE and the like are spent), or never answers (`hang`: even past the deadline it
 * was given, which the recorder must not rely on).
 */
function connection(behaviour: { error?: unknown; hang?: boolean } = {}) {
  const calls: Request[] = [];
  const deadlines: number[] = [];
  const conn: HeartbeatConnection = {
    workflowService: {
      async recordActivityTaskHeartbeat(request) {
        calls.push(request);
        if (behaviour.hang) return new Promise(() => {});
        if (behaviour.error) throw behaviour.error;
        return {};
      },
    },
    async withDeadline(deadline, fn) {
      deadlines.push(Number(deadline));
      return fn();
    },
  };
  return { conn, calls, deadlines };
}

const converter = encryptingDataConverter(parseKeyring(`k1:${generateKey()}`, 'test key'));
const attempt = { taskToken: new Uint8Array([1, 2, 3]), workflowId: 'case-c1', activityId: '7' };
const details = { accepted: '<c1.reminder@poortwachter>', recipients: ['cm@arbo.example'] };

describe('heartbeatRecorder', () => {
  it('sends the details encoded (encrypted) with the worker converter, for this attempt', async () => {
    const { conn, calls } = connection();
    expect(await heartbeatRecorder(conn, 'ns', converter)({ ...attempt, details })).toBe('recorded');
    expect(calls).toHaveLength(1);
    const [request] = calls;
    expect(request!.namespace).toBe('ns');
    expect(request!.taskToken).toEqual(attempt.taskToken);
    const payload = request!.details!.payloads![0]!;
    // Encrypted: the Message-ID is not readable on the server.
    expect(Buffer.from(payload.data!).toString('latin1')).not.toContain('poortwachter');
    // Decoded as the SDK decodes a retry's heartbeatDetails: the worker's converter, the activity's context.
    const context = {
      type: 'activity',
      namespace: 'ns',
      workflowId: 'case-c1',
      activityId: '7',
      isLocal: false,
    } as const;
    const decoded = await decodeFromPayloadsAtIndex(
      loadDataConverter(converter),
      0,
      request!.details!.payloads,
      context,
    );
    expect(decoded).toEqual(details);
  });

  it('reports a call that failed as unreachable, without throwing', async () => {
    const { conn, calls } = connection({ error: Object.assign(new Error('unavailable'), { code: 14 }) });
    expect(await heartbeatRecorder(conn, 'ns', converter)({ ...attempt, details })).toBe('unreachable');
    expect(calls).toHaveLength(1);
  });

  it('stops waiting for a call that never answers at the time limit', async () => {
    const { conn, deadlines } = connection({ hang: true });
    const t0 = Date.now();
    const outcome = await heartbeatRecorder(conn, 'ns', converter, { timeoutMs: 300 })({ ...attempt, details });
    const took = Date.now() - t0;
    expect(outcome).toBe('unreachable');
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2_000);
    // The gRPC deadline is the same limit, so the call itself ends too.
    expect(deadlines[0]).toBeGreaterThanOrEqual(t0 + 300);
    expect(deadlines[0]).toBeLessThanOrEqual(Date.now());
  });

  it('reports an attempt the server no longer knows (NOT_FOUND) as over', async () => {
    const { conn } = connection({ error: Object.assign(new Error('not found'), { code: 5 }) });
    expect(await heartbeatRecorder(conn, 'ns', converter)({ ...attempt, details })).toBe('attempt-over');
  });
});
