// Sealing an audit bundle for one auditor: the histories, with their payloads decrypted, encrypted to
// the auditor's X25519 public key, so that an external auditor reads and replays the bundle with
// their own private key and without the installation's payload keys.
//
// The scheme (ephemeral-static ECDH, as in ECIES/HPKE's base mode):
// - the exporter makes a fresh X25519 key pair for each bundle; ECDH of its private half with the
//   auditor's public key gives a shared secret that only the exporter (who then forgets the key)
//   and the auditor can compute;
// - HKDF-SHA256 turns that secret into one AES-256 key; the salt holds both public keys, so the
//   content key belongs to this ephemeral key and this auditor and to nothing else;
// - each history is sealed on its own with AES-256-GCM under a random 96-bit IV, with its workflow
//   id and run id as additional authenticated data: a sealed history moved to another case or run,
//   or into another bundle (another ephemeral key), does not open.
//
// Sealing is not signing: anyone who has the auditor's public key can seal anything for them. Who
// made a bundle is proven only by the Ed25519 signature over the manifest, which names the
// ephemeral key and the digests of the sealed texts (bundle.ts).
import {
  createCipheriv,
  createHash,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';

export const SEAL_ALGORITHM = 'X25519-HKDF-SHA256-AES-256-GCM';
const HKDF_INFO = Buffer.from('poortwachter audit bundle seal v1', 'utf8');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const RAW_KEY_BYTES = 32;

/** What the manifest says of the seal; signed with the manifest. */
export interface SealInfo {
  algorithm: typeof SEAL_ALGORITHM;
  /** SHA-256 (hex) of the auditor's public key (SPKI DER): whose private key opens the bundle. */
  recipient: string;
  /** The exporter's ephemeral X25519 public key, raw 32 bytes in base64. */
  ephemeralPublicKey: string;
}

/** A key that cannot be used to seal or open (wrong type, a private key where a public one belongs). */
export class SealKeyError extends Error {}

/** A sealed history that does not open: changed, moved, or sealed with another key. */
export class UnsealError extends Error {}

export function generateAuditorKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function fingerprint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function rawPublic(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
}

/** The auditor's public key from PEM text; refuses a private key (the exporter must never hold it). */
export function auditorPublicKey(pem: string): KeyObject {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem))
    throw new SealKeyError("is a private key: give the auditor's public key (the private one stays with the auditor)");
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new SealKeyError('is not a public key in PEM');
  }
  if (key.asymmetricKeyType !== 'x25519')
    throw new SealKeyError(`is an ${key.asymmetricKeyType ?? 'unknown'} key; an auditor's key is X25519`);
  // A low-order point agrees on no secret with any key (OpenSSL refuses the derivation): refused here,
  // before anything is exported, rather than halfway.
  try {
    diffieHellman({ privateKey: generateKeyPairSync('x25519').privateKey, publicKey: key });
  } catch {
    throw new SealKeyError('is not a usable X25519 public key (a low-order point)');
  }
  return key;
}

/** The auditor's private key from PEM text. */
export function auditorPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new SealKeyError('is not a private key in PEM');
  }
  if (key.asymmetricKeyType !== 'x25519')
    throw new SealKeyError(`is an ${key.asymmetricKeyType ?? 'unknown'} key; an auditor's key is X25519`);
  return key;
}

function contentKey(shared: Buffer, ephemeral: Buffer, recipient: Buffer): Buffer {
  // A low-order public key gives an all-zero secret, which would make the content key public. OpenSSL
  // refuses such a derivation already; checked again so that the content key never rests on that.
  if (shared.every((b) => b === 0)) throw new UnsealError('the key agreement gave no secret (a low-order key)');
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), HKDF_INFO, 32));
}

/** The additional authenticated data of one sealed history: which case workflow and run it is. */
function aad(workflowId: string, runId: string): Buffer {
  return Buffer.from(JSON.stringify(['poortwachter sealed history v1', workflowId, runId]), 'utf8');
}

/** Seals the histories of one bundle for one auditor (one ephemeral key per bundle). */
export class Sealer {
  readonly info: SealInfo;
  private readonly key: Buffer;

  constructor(auditorPublicKeyPem: string) {
    const recipient = auditorPublicKey(auditorPublicKeyPem);
    const ephemeral = generateKeyPairSync('x25519');
    const ephemeralRaw = rawPublic(ephemeral.publicKey);
    this.key = contentKey(
      diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }),
      ephemeralRaw,
      rawPublic(recipient),
    );
    this.info = {
      algorithm: SEAL_ALGORITHM,
      recipient: fingerprint(recipient),
      ephemeralPublicKey: ephemeralRaw.toString('base64'),
    };
  }

  /** The sealed text (base64 of IV ‖ ciphertext ‖ tag) of one history's JSON text. */
  seal(workflowId: string, runId: string, plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(aad(workflowId, runId));
    return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString(
      'base64',
    );
  }
}

/** Opens the histories of one sealed bundle with the auditor's private key. */
export class Unsealer {
  private readonly key: Buffer;

  /**
   * Throws SealKeyError when the key is not the one the bundle is sealed for, UnsealError when the
   * bundle's ephemeral key is unusable.
   */
  constructor(info: SealInfo, auditorPrivateKeyPem: string) {
    const privateKey = auditorPrivateKey(auditorPrivateKeyPem);
    const publicKey = createPublicKey(privateKey);
    const mine = fingerprint(publicKey);
    if (mine !== info.recipient)
      throw new SealKeyError(
        `does not open this bundle: it is sealed for auditor key ${info.recipient.slice(0, 16)}…, this is key ${mine.slice(0, 16)}…`,
      );
    const ephemeralRaw = Buffer.from(info.ephemeralPublicKey, 'base64');
    let shared: Buffer;
    try {
      const ephemeral = createPublicKey({
        key: { kty: 'OKP', crv: 'X25519', x: ephemeralRaw.toString('base64url') },
        format: 'jwk',
      });
      shared = diffieHellman({ privateKey, publicKey: ephemeral });
    } catch {
      // Only a made-up ephemeral key (a low-order point) fails here; the exporter's never does.
      throw new UnsealError('its ephemeral key agrees on no secret (a low-order point)');
    }
    this.key = contentKey(shared, ephemeralRaw, rawPublic(publicKey));
  }

  /** The JSON text of one sealed history; UnsealError when it does not open as this case's run. */
  open(workflowId: string, runId: string, sealed: string): string {
    const data = Buffer.from(sealed, 'base64');
    if (data.length < IV_BYTES + TAG_BYTES) throw new UnsealError('it is too short to be sealed');
    const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, IV_BYTES));
    decipher.setAAD(aad(workflowId, runId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new UnsealError('it does not open: it was changed, or sealed for another case, run or bundle');
    }
  }
}

/** Whether `value` is a well-formed SealInfo (for the bundle parser). */
export function sealInfoProblem(value: unknown): string | undefined {
  const s = value as Partial<Record<keyof SealInfo, unknown>> | null;
  if (!s || typeof s !== 'object') return 'is not an object';
  if (s.algorithm !== SEAL_ALGORITHM) return `.algorithm is not ${SEAL_ALGORITHM}`;
  if (typeof s.recipient !== 'string' || !/^[0-9a-f]{64}$/.test(s.recipient))
    return '.recipient is not a SHA-256 fingerprint';
  if (
    typeof s.ephemeralPublicKey !== 'string' ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(s.ephemeralPublicKey) ||
    Buffer.from(s.ephemeralPublicKey, 'base64').length !== RAW_KEY_BYTES
  )
    return `.ephemeralPublicKey is not ${RAW_KEY_BYTES} bytes in base64`;
  return undefined;
}
