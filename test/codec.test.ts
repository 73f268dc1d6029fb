// The payload codec: AES-256-GCM with the key id on every payload, key rotation, and a clear
// refusal for every kind of malformed key material.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { isNotEncrypted } from '../workflows/not-encrypted.js';
import { describe, expect, it } from 'vitest';
import {
  EncryptionCodec,
  ENCRYPTED_ENCODING,
  generateKey,
  KEY_ID_METADATA,
  KeyringError,
  loadKeyring,
  parseKeyring,
} from '../runtime/codec.js';
import { loadConfig } from '../runtime/config.js';

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const secret = { employee: { displayName: 'J. de Vries' }, note: 'Belde met huisarts over rugklachten' };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyringError);
    return (err as Error).message;
  }
  throw new Error('expected a KeyringError');
}

describe('payload codec', () => {
  const keyA = generateKey();
  const keyB = generateKey();

  it('encrypts every payload with the current key and names the key; decrypts it back exactly', async () => {
    const codec = new EncryptionCodec(parseKeyring(`a:${keyA}`));
    const plain = defaultPayloadConverter.toPayload(secret);
    const [encrypted] = await codec.encode([plain]);
    expect(text(encrypted!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted!.metadata![KEY_ID_METADATA])).toBe('a');
    expect(text(encrypted!.data)).not.toContain('de Vries');
    expect(text(encrypted!.data)).not.toContain('rugklachten');
    expect(Object.keys(encrypted!.metadata!)).toEqual(['encoding', KEY_ID_METADATA]); // no json/plain hint
    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(secret);
    // A fresh IV each time: the same value never gives the same ciphertext.
    const [again] = await codec.encode([plain]);
    expect(text(again!.data)).not.toBe(text(encrypted!.data));
  });

  it('rotates: payloads of a retired key still decrypt, new payloads carry the new key id', async () => {
    const before = new EncryptionCodec(parseKeyring(`a:${keyA}`));
    const [old] = await before.encode([defaultPayloadConverter.toPayload(secret)]);

    // Rotation in the lines format: append the new key (the last line is current).
    const after = new EncryptionCodec(parseKeyring(`a:${keyA}\nb:${keyB}\n`));
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload('nieuw')]);
    expect(text(fresh!.metadata![KEY_ID_METADATA])).toBe('b');
    const [oldDecoded, freshDecoded] = await after.decode([old!, fresh!]);
    expect(defaultPayloadConverter.fromPayload(oldDecoded!)).toEqual(secret);
    expect(defaultPayloadConverter.fromPayload(freshDecoded!)).toBe('nieuw');

    // The same in JSON, where `current` says which key encrypts.
    const json = new EncryptionCodec(parseKeyring(JSON.stringify({ current: 'b', keys: { a: keyA, b: keyB } })));
    expect(text((await json.encode([defaultPayloadConverter.toPayload(1)]))[0]!.metadata![KEY_ID_METADATA])).toBe('b');
    expect(defaultPayloadConverter.fromPayload((await json.decode([old!]))[0]!)).toEqual(secret);

    // Once the retired key is dropped, its payloads are refused with a message that says what to do.
    const withoutA = new EncryptionCodec(parseKeyring(`b:${keyB}`));
    await expect(withoutA.decode([old!])).rejects.toThrow(
      /encrypted with key "a", which is not in the keyring \(known: b\)/,
    );
  });

  it('refuses tampered ciphertext and a payload that claims another key id', async () => {
    const codec = new EncryptionCodec(parseKeyring(`a:${keyA}\nb:${keyB}`));
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(secret)]);
    const tampered: Payload = {
      ...encrypted!,
      data: Uint8Array.from(encrypted!.data!, (b, i) => (i === 20 ? b ^ 1 : b)),
    };
    await expect(codec.decode([tampered])).rejects.toThrow(/does not decrypt: wrong key or tampered data/);
    // The key id is authenticated: relabelling a payload with another known key fails too.
    const relabelled: Payload = {
      ...encrypted!,
      metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('a') },
    };
    await expect(codec.decode([relabelled])).rejects.toThrow(/does not decrypt/);
    const truncated: Payload = { ...encrypted!, data: encrypted!.data!.subarray(0, 10) };
    await expect(codec.decode([truncated])).rejects.toThrow(/truncated/);
  });

  it('hands on the not-encrypted marker for a payload nobody encrypted, whatever it says', async () => {
    const codec = new EncryptionCodec(parseKeyring(`a:${keyA}`));
    for (const value of [{ x: 1 }, { type: 'note', text: 'x' }, null, 'text']) {
      const [decoded] = await codec.decode([defaultPayloadConverter.toPayload(value)]);
      expect(isNotEncrypted(defaultPayloadConverter.fromPayload(decoded!))).toBe(true);
    }
  });

  it('passes them through only when asked (a tool that reads histories from before encryption)', async () => {
    const codec = new EncryptionCodec(parseKeyring(`a:${keyA}`), 'pass');
    const plain = defaultPayloadConverter.toPayload({ x: 1 });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it.each([
    ['', 'is empty'],
    ['{"current": "a", "keys": {"a": 1}}', 'key "a" must be a base64 string'],
    ['{"current": "a", "keys": [] }', 'keys must be an object'],
    ['{"current": "a", "keys": {}, "extra": 1}', 'unknown field(s) extra'],
    ['{"current": "a"', 'is not valid JSON'],
    [`{"current": "c", "keys": {"a": "${generateKey()}"}}`, 'the current key "c" is not among the keys'],
    ['just-a-key-without-id', 'line 1 must be <id>:<base64 key>'],
    [`a:${Buffer.alloc(16).toString('base64')}`, 'key "a" is 16 bytes; AES-256 needs exactly 32'],
    ['a:not base64!!', 'key "a" is not base64'],
    [`bad id:${generateKey()}`, 'key id "bad id" must be'],
    [`a:${generateKey()}\na:${generateKey()}`, 'key "a" appears twice'],
    ['# only a comment', 'holds no keys'],
  ])('refuses malformed key material %j', (input, message) => {
    expect(refusal(() => parseKeyring(input, 'keys.txt'))).toContain(`keys.txt: ${message}`);
  });

  it('reads keys from POORTWACHTER_KEYS_FILE or POORTWACHTER_KEYS, and refuses to run without any', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-keys-'));
    const file = join(dir, 'keys.txt');
    writeFileSync(file, `# rotated 2026-03\nold:${keyA}\nnew:${keyB}\n`);
    expect(loadKeyring(loadConfig({ POORTWACHTER_KEYS_FILE: file })).currentKeyId).toBe('new');
    expect(loadKeyring(loadConfig({ POORTWACHTER_KEYS: `x:${keyA}` })).currentKeyId).toBe('x');
    // The dev key in the data folder is used for the local stack only, never for a configured cluster.
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ current: 'dev', keys: { dev: keyA } }));
    expect(loadKeyring(loadConfig({ POORTWACHTER_DATA_DIR: dir })).currentKeyId).toBe('dev');
    expect(
      refusal(() => loadKeyring(loadConfig({ POORTWACHTER_DATA_DIR: dir, TEMPORAL_ADDRESS: 'temporal.example:7233' }))),
    ).toMatch(/^no encryption keys: set POORTWACHTER_KEYS_FILE/);
    const empty = mkdtempSync(join(tmpdir(), 'pw-nokeys-'));
    expect(refusal(() => loadKeyring(loadConfig({ POORTWACHTER_DATA_DIR: empty })))).toContain(
      `run \`poortwachter dev\` once to create ${join(empty, 'keys.json')}`,
    );
    expect(refusal(() => loadKeyring(loadConfig({ POORTWACHTER_KEYS: 'x:short' })))).toContain(
      'POORTWACHTER_KEYS: key "x" is 3 bytes',
    );
    expect(() => loadConfig({ POORTWACHTER_KEYS: `x:${keyA}`, POORTWACHTER_KEYS_FILE: file })).toThrow(
      /POORTWACHTER_KEYS and POORTWACHTER_KEYS_FILE are both set/,
    );
    expect(() => loadConfig({ POORTWACHTER_KEYS_FILE: join(dir, 'missing') })).toThrow(
      /POORTWACHTER_KEYS_FILE file does not exist/,
    );
  });
});
