// The codec endpoint for the Temporal Web UI, over real HTTP: it decrypts for the configured UI
// origin with the right bearer token, and for nobody else.
import { PassThrough } from 'node:stream';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecServerCommand } from '../cli/codec-server.js';
import { EncryptionCodec, generateKey, parseKeyring } from '../runtime/codec.js';
import { startCodecServer, type CodecServer } from '../runtime/codec-server.js';

const token = 'operator-token-0123456789';
const uiOrigin = 'http://localhost:8233';
const codec = new EncryptionCodec(parseKeyring(`k1:${generateKey()}`));

const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');
const asJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
  data: b64(p.data),
});

describe('codec server', () => {
  let server: CodecServer;
  beforeAll(async () => {
    server = await startCodecServer({ codec, token, corsOrigin: uiOrigin, port: 0 });
  });
  afterAll(() => server?.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('decodes what the workers encrypted, and encodes, for the UI origin with the token', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload({ displayName: 'J. de Vries' })]);
    const res = await post(
      '/decode',
      { payloads: [asJson(encrypted!)] },
      { Origin: uiOrigin, 'X-Namespace': 'default' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    const { payloads } = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString())).toEqual({ displayName: 'J. de Vries' });

    // Without a browser origin (curl, temporal CLI) the token alone suffices; /encode encrypts.
    const enc = await post('/encode', { payloads: payloads });
    expect(enc.status).toBe(200);
    const encoded = ((await enc.json()) as { payloads: { metadata: Record<string, string> }[] }).payloads[0]!;
    expect(Buffer.from(encoded.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    // A path prefix, as the UI may be configured with, works too.
    expect((await post('/codec/decode', { payloads: [asJson(encrypted!)] })).status).toBe(200);
  });

  it('answers the CORS preflight of the UI origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type,x-namespace',
        },
      });
    const ok = await preflight(uiOrigin);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const evil = await preflight('https://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses without the token, with a wrong token, from another origin, and bad requests', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('geheim')]);
    const body = { payloads: [asJson(encrypted!)] };
    const none = await fetch(`${server.url}/decode`, { method: 'POST', body: JSON.stringify(body) });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.text()).not.toContain('geheim');
    expect((await post('/decode', body, { Authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await post('/decode', body, { Authorization: token })).status).toBe(401); // no "Bearer"
    const other = await post('/decode', body, { Origin: 'https://evil.example' });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const bad = async (path: string, payload: unknown, status: number, message: RegExp) => {
      const res = await post(path, payload);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    };
    await bad('/decode', '{ not json', 400, /must be JSON/);
    await bad('/decode', { payload: [] }, 400, /payloads/);
    await bad('/decode', { payloads: [{ data: 'not base64!' }] }, 400, /payloads\.0\.data: must be base64/);
    await bad('/other', body, 404, /POST \/encode or POST \/decode/);
    const foreignKey = new EncryptionCodec(parseKeyring(`k9:${generateKey()}`));
    const [foreign] = await foreignKey.encode([defaultPayloadConverter.toPayload('x')]);
    await bad('/decode', { payloads: [asJson(foreign!)] }, 422, /key "k9", which is not in the keyring/);
    const get = await fetch(`${server.url}/decode`, { headers: { Authorization: `Bearer ${token}` } });
    expect(get.status).toBe(405);
    const huge = await post('/decode', JSON.stringify({ payloads: [{ data: 'A'.repeat(5 * 1024 * 1024) }] }));
    expect(huge.status).toBe(413);
  });
});

describe('poortwachter codec-server', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = { ...saved };
  });
  const io = () => {
    const out = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), text: '' };
    out.stdout.on('data', (d) => (out.text += d));
    return out;
  };

  it('refuses to start without a token, and starts with one', async () => {
    process.env.POORTWACHTER_CODEC_TOKEN = '';
    await expect(codecServerCommand([], io(), Promise.resolve())).rejects.toThrow(
      /POORTWACHTER_CODEC_TOKEN is not set/,
    );
    process.env.POORTWACHTER_CODEC_TOKEN = 'short';
    await expect(codecServerCommand([], io(), Promise.resolve())).rejects.toThrow(
      /POORTWACHTER_CODEC_TOKEN must be at least 16 characters/,
    );
    process.env.POORTWACHTER_CODEC_TOKEN = token;
    await expect(codecServerCommand(['--port', 'x'], io(), Promise.resolve())).rejects.toThrow(/--port/);

    process.env.POORTWACHTER_CODEC_CORS_ORIGIN = 'https://temporal-ui.arbo.example';
    let stop!: () => void;
    const out = io();
    const done = codecServerCommand(['--port', '0'], out, new Promise<void>((r) => (stop = r)));
    for (let i = 0; i < 100 && !out.text.includes('codec server on'); i++) await new Promise((r) => setTimeout(r, 20));
    const url = /codec server on (\S+)/.exec(out.text)![1]!;
    expect(out.text).toContain('for the Web UI at https://temporal-ui.arbo.example');
    const res = await fetch(`${url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://temporal-ui.arbo.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(res.status).toBe(204);
    stop();
    expect(await done).toBe(0);
  });
});
