// The heartbeat recorder notify relies on for exactly-once delivery: what it sends the server, and
// that it never throws (by the time it runs the message is accepted; a failed attempt would send it
// again). The real round trip, through a worker crash, is test/email/exactly-once.test.ts.
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/codec-helpers.js';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers.js';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { heartbeatRecorder, type HeartbeatService } from '../../activities/heartbeat.js';
import { encryptingDataConverter, generateKey, parseKeyring } from '../../client/codec.js';

type Request = temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatRequest;

/** A service that fails the first `failures` calls with `error`, then answers. */
function service(failures: number, error: unknown = Object.assign(new Error('unavailable'), { code: 14 })) {
  const calls: Request[] = [];
  const svc: HeartbeatService = {
    async recordActivityTaskHeartbeat(request) {
      calls.push(request);
      if (calls.length <= failures) throw error;
      return {};
    },
  };
  return { svc, calls };
}

const converter = encryptingDataConverter(parseKeyring(`k1:${generateKey()}`, 'test key'));
const token = new Uint8Array([1, 2, 3]);
const details = { accepted: '<c1.reminder@poortwachter>', recipients: ['cm@arbo.example'] };

describe('heartbeatRecorder', () => {
  it('sends the details encoded (encrypted) with the worker converter, for this attempt', async () => {
    const { svc, calls } = service(0);
    expect(await heartbeatRecorder(svc, 'ns', converter)({ taskToken: token, details })).toBe(true);
    expect(calls).toHaveLength(1);
    const [request] = calls;
    expect(request!.namespace).toBe('ns');
    expect(request!.taskToken).toEqual(token);
    const payload = request!.details!.payloads![0]!;
    // Encrypted: the Message-ID is not readable on the server.
    expect(Buffer.from(payload.data!).toString('latin1')).not.toContain('poortwachter');
    const decoded = await decodeFromPayloadsAtIndex(loadDataConverter(converter), 0, request!.details!.payloads);
    expect(decoded).toEqual(details);
  });

  it('calls again after a failure until the server answers', async () => {
    const { svc, calls } = service(2);
    expect(await heartbeatRecorder(svc, 'ns', converter)({ taskToken: token, details })).toBe(true);
    expect(calls).toHaveLength(3);
  });

  it('gives up without throwing when the calls keep failing', async () => {
    const { svc, calls } = service(Infinity);
    const recorded = await heartbeatRecorder(svc, 'ns', converter, { timeoutMs: 200 })({ taskToken: token, details });
    expect(recorded).toBe(false);
    expect(calls.length).toBeGreaterThan(1);
  });

  it('stops at once when the attempt is gone on the server (NOT_FOUND)', async () => {
    const { svc, calls } = service(Infinity, Object.assign(new Error('not found'), { code: 5 }));
    expect(await heartbeatRecorder(svc, 'ns', converter)({ taskToken: token, details })).toBe(false);
    expect(calls).toHaveLength(1);
  });
});
