// Payload encryption: every payload the client, the worker, the CLI and the audit tools hand to
// Temporal is encrypted with AES-256-GCM before it leaves the process, so that the Temporal server,
// its database and its Web UI hold case data (names, e-mail addresses, notes) only as ciphertext.
//
// Format of an encrypted payload: metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`;
// data = 12-byte IV ‖ ciphertext ‖ 16-byte GCM tag, where the plaintext is the whole original payload
// (metadata and data, protobuf-encoded) and the key id is bound as additional authenticated data.
//
// Keys: a keyring of named 32-byte keys, one of them current. New payloads use the current key; old
// payloads decrypt with whichever key their id names, so rotation is: add a new key, make it
// current, keep the retired ones for as long as histories encrypted with them must stay readable.
//
// Keyring text, from POORTWACHTER_KEYS (inline) or the file POORTWACHTER_KEYS_FILE, in one of two forms:
//   JSON:  { "current": "2026-02", "keys": { "2026-01": "<base64>", "2026-02": "<base64>" } }
//   lines: `<id>:<base64>` per line, `#` comments allowed; the LAST key is the current one (append to rotate)
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { NOT_ENCRYPTED_MARKER } from '../workflows/not-encrypted.js';
import type { Config } from './config.js';
import { failureConverterPath } from './project.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const PayloadProto = proto.temporal.api.common.v1.Payload;
const NOT_ENCRYPTED_PAYLOAD: Payload = {
  metadata: { encoding: new TextEncoder().encode('json/plain') },
  data: new TextEncoder().encode(JSON.stringify({ [NOT_ENCRYPTED_MARKER]: true })),
};

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringError';
  }
}

export interface Keyring {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

function decodeKey(id: string, base64: string, source: string): Buffer {
  if (!KEY_ID.test(id)) {
    throw new KeyringError(`${source}: key id "${id}" must be 1 to 64 letters, digits, dots, dashes or underscores`);
  }
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new KeyringError(`${source}: key "${id}" is not base64`);
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new KeyringError(
      `${source}: key "${id}" is ${key.length} bytes; AES-256 needs exactly ${KEY_BYTES} (44 base64 characters)`,
    );
  }
  return key;
}

/** Parses keyring text (JSON or `id:base64` lines); `source` names where it came from in errors. */
export function parseKeyring(text: string, source = 'keyring'): Keyring {
  const trimmed = text.trim();
  if (!trimmed) throw new KeyringError(`${source}: is empty; it must hold at least one key`);
  const keys = new Map<string, Buffer>();
  let currentKeyId: string | undefined;
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (err) {
      throw new KeyringError(`${source}: is not valid JSON (${(err as Error).message})`);
    }
    const { current, keys: entries, ...rest } = json as { current?: unknown; keys?: unknown };
    if (Object.keys(rest).length > 0) {
      throw new KeyringError(`${source}: unknown field(s) ${Object.keys(rest).join(', ')}; expected current and keys`);
    }
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw new KeyringError(`${source}: keys must be an object { "<id>": "<base64 key>" }`);
    }
    for (const [id, value] of Object.entries(entries)) {
      if (typeof value !== 'string') throw new KeyringError(`${source}: key "${id}" must be a base64 string`);
      keys.set(id, decodeKey(id, value, source));
    }
    if (typeof current !== 'string') throw new KeyringError(`${source}: current must name one of the keys`);
    currentKeyId = current;
  } else {
    trimmed.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const colon = line.indexOf(':');
      if (colon < 0) throw new KeyringError(`${source}: line ${index + 1} must be <id>:<base64 key>`);
      const id = line.slice(0, colon).trim();
      if (keys.has(id)) throw new KeyringError(`${source}: key "${id}" appears twice`);
      keys.set(id, decodeKey(id, line.slice(colon + 1), source));
      currentKeyId = id;
    });
  }
  if (keys.size === 0) throw new KeyringError(`${source}: holds no keys`);
  if (!currentKeyId || !keys.has(currentKeyId)) {
    throw new KeyringError(`${source}: the current key "${currentKeyId ?? ''}" is not among the keys`);
  }
  return { currentKeyId, keys };
}

/** A fresh random key, base64. */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** A keyring with one fresh key, as JSON text (the format `poortwachter dev` writes). */
export function newKeyringJson(id = `dev-${new Date().toISOString().slice(0, 10)}`): string {
  return `${JSON.stringify({ current: id, keys: { [id]: generateKey() } }, null, 2)}\n`;
}

/** What decode does with a payload that is not encrypted. */
export type PlaintextPolicy = 'refuse' | 'pass';

export class EncryptionCodec implements PayloadCodec {
  /**
   * `refuse` (workers and clients): a payload that is not encrypted becomes the marker of
   * workflows/not-encrypted.ts, whose content nobody believes; `pass` (tools that only read old
   * histories): it is left as it is.
   */
  constructor(
    readonly keyring: Keyring,
    readonly plaintext: PlaintextPolicy = 'refuse',
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const id = this.keyring.currentKeyId;
    const key = this.keyring.keys.get(id)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(id, 'utf8'));
      const plain = PayloadProto.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: new TextEncoder().encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: new TextEncoder().encode(id),
        },
        data: new Uint8Array(data),
      };
    });
  }

  /**
   * Decrypts encrypted payloads. Any other payload came from someone without the keys (the Temporal
   * CLI or API used directly): it is replaced by the not-encrypted marker, which the workflows refuse
   * with a clear message, unless the policy is `pass`.
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || Buffer.from(encoding).toString('utf8') !== ENCRYPTED_ENCODING) {
        return this.plaintext === 'pass' ? payload : NOT_ENCRYPTED_PAYLOAD;
      }
      const idBytes = payload.metadata?.[KEY_ID_METADATA];
      if (!idBytes) throw new KeyringError(`an encrypted payload carries no ${KEY_ID_METADATA}`);
      const id = Buffer.from(idBytes).toString('utf8');
      const key = this.keyring.keys.get(id);
      if (!key) {
        throw new KeyringError(
          `a payload is encrypted with key "${id}", which is not in the keyring (known: ${[...this.keyring.keys.keys()].join(', ')}); add the retired key to the key file`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new KeyringError(`an encrypted payload (key "${id}") is truncated`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id, 'utf8'));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new KeyringError(`an encrypted payload (key "${id}") does not decrypt: wrong key or tampered data`);
      }
      return PayloadProto.decode(plain) as Payload;
    });
  }
}

/** The local key file that `poortwachter dev` creates in the data folder. */
export function devKeyFile(dataDir: string): string {
  return join(dataDir, 'keys.json');
}

/** Where the keyring comes from under this configuration, or undefined when none is configured. */
export function keyringSource(config: Config): { text: string; source: string } | undefined {
  if (config.keys.inline) return { text: config.keys.inline, source: 'POORTWACHTER_KEYS' };
  if (config.keys.file) return { text: readFileSync(config.keys.file, 'utf8'), source: config.keys.file };
  // The dev key, for the local stack only: never silently used against a configured cluster.
  const dev = devKeyFile(config.dataDir);
  if (!config.temporalAddress && existsSync(dev)) return { text: readFileSync(dev, 'utf8'), source: dev };
  return undefined;
}

/** The keyring of this configuration; throws KeyringError when none is configured or it is malformed. */
export function loadKeyring(config: Config): Keyring {
  const found = keyringSource(config);
  if (!found) {
    throw new KeyringError(
      'no encryption keys: set POORTWACHTER_KEYS_FILE to a key file (or POORTWACHTER_KEYS to its content)' +
        (config.temporalAddress ? '' : `, or run \`poortwachter dev\` once to create ${devKeyFile(config.dataDir)}`),
    );
  }
  return parseKeyring(found.text, found.source);
}

/**
 * The data converter every client and worker of this project uses: payloads encrypted, and failures'
 * messages and stack traces with them (workflows/failure-converter.ts).
 */
export function encryptingDataConverter(keyring: Keyring): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keyring)], failureConverterPath };
}

/** Creates the dev key file (mode 0600) unless it exists; returns whether it was created. */
export async function ensureDevKeyFile(dataDir: string): Promise<boolean> {
  const file = devKeyFile(dataDir);
  if (existsSync(file)) return false;
  await writeFile(file, newKeyringJson(), { mode: 0o600, flag: 'wx' });
  return true;
}
