// API keys of the systems that call the HTTP service (an arbodienst's verzuim system, an importer).
//
// A key is `pwk_<id>_<secret>`: the id names it in logs and in the keys file, the secret is 32
// random bytes. The file (POORTWACHTER_API_KEYS_FILE, mode 0600) holds only a SHA-256 of each key:
// a key is shown once, when it is made, and cannot be read back. A plain hash suffices because the
// secret is random, not chosen by a person. Two keys of one system can be valid at once, so that a
// key is rotated without a moment in which the system cannot call.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';

/** What a key may do. */
export const SCOPES = ['cases:read', 'cases:write', 'events:write', 'audit:export'] as const;
export type Scope = (typeof SCOPES)[number];

const storedKeySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]{8}$/),
  name: z.string().min(1).max(100),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  scopes: z.array(z.enum(SCOPES)).min(1),
  /** Only the cases of these employers; absent: every employer. */
  employers: z.array(z.string().min(1)).optional(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().optional(),
  revokedAt: z.iso.datetime().optional(),
});
export type StoredKey = z.infer<typeof storedKeySchema>;

const keysFileSchema = z.strictObject({ keys: z.array(storedKeySchema) });

export class ApiKeyError extends Error {
  override name = 'ApiKeyError';
}

/** Who called, when a key was accepted. */
export interface KeyIdentity {
  keyId: string;
  name: string;
  scopes: Scope[];
  employers?: string[];
}

const KEY_PATTERN = /^pwk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function readKeysFile(path: string): StoredKey[] {
  if (!existsSync(path)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ApiKeyError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const keys = keysFileSchema.safeParse(parsed);
  if (!keys.success) {
    const issues = keys.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    throw new ApiKeyError(`${path} is not an API keys file: ${issues}`);
  }
  return keys.data.keys;
}

async function writeKeysFile(path: string, keys: StoredKey[]): Promise<void> {
  // Written next to the file and renamed over it, so that a reader never sees half a file.
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

export interface NewKey {
  name: string;
  scopes: Scope[];
  employers?: string[];
  expiresAt?: string;
}

/** Makes a key, adds its hash to the file (created if needed), and returns the key: shown once. */
export async function createKey(
  path: string,
  spec: NewKey,
  now = new Date(),
): Promise<{ key: string; stored: StoredKey }> {
  const keys = readKeysFile(path);
  const id = randomBytes(5).toString('hex').slice(0, 8);
  const key = `pwk_${id}_${randomBytes(32).toString('base64url')}`;
  const stored = storedKeySchema.parse({
    id,
    name: spec.name,
    sha256: sha256(key),
    scopes: [...new Set(spec.scopes)],
    ...(spec.employers?.length && { employers: spec.employers }),
    createdAt: now.toISOString(),
    ...(spec.expiresAt && { expiresAt: spec.expiresAt }),
  });
  await writeKeysFile(path, [...keys, stored]);
  return { key, stored };
}

/** Marks a key revoked (kept in the file, so that the access log's key ids stay explained). */
export async function revokeKey(path: string, id: string, now = new Date()): Promise<StoredKey> {
  const keys = readKeysFile(path);
  const found = keys.find((k) => k.id === id);
  if (!found) throw new ApiKeyError(`there is no key ${id} in ${path}`);
  if (found.revokedAt) throw new ApiKeyError(`key ${id} was revoked already, at ${found.revokedAt}`);
  found.revokedAt = now.toISOString();
  await writeKeysFile(path, keys);
  return found;
}

/**
 * Checks presented keys against the file, which it reads again when it changed (a revocation takes
 * effect without a restart of the service).
 */
export class ApiKeys {
  private keys: StoredKey[] = [];
  private loaded: string | undefined;

  constructor(private readonly path: string | undefined) {}

  private current(): StoredKey[] {
    if (!this.path) return [];
    // The file is replaced, never changed in place (writeKeysFile): a new inode means a new file.
    const stat = existsSync(this.path) ? statSync(this.path) : undefined;
    const version = stat ? `${stat.ino}:${stat.mtimeMs}:${stat.size}` : 'none';
    if (version !== this.loaded) {
      this.keys = readKeysFile(this.path);
      this.loaded = version;
    }
    return this.keys;
  }

  /** The identity of a valid key, or why it is not valid (never which part was wrong, to a caller). */
  check(presented: string, now = new Date()): KeyIdentity | { refused: string } {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return { refused: 'not an API key' };
    const stored = this.current().find((k) => k.id === match[1]);
    if (!stored) return { refused: `unknown key ${match[1]}` };
    const expected = Buffer.from(stored.sha256, 'hex');
    if (!timingSafeEqual(expected, createHash('sha256').update(presented).digest())) {
      return { refused: `wrong secret for key ${stored.id}` };
    }
    if (stored.revokedAt) return { refused: `key ${stored.id} was revoked at ${stored.revokedAt}` };
    if (stored.expiresAt && Date.parse(stored.expiresAt) <= now.getTime()) {
      return { refused: `key ${stored.id} expired at ${stored.expiresAt}` };
    }
    return {
      keyId: stored.id,
      name: stored.name,
      scopes: stored.scopes,
      ...(stored.employers && { employers: stored.employers }),
    };
  }
}
