// The values of the searchable identifiers (the CasemanagerId and BedrijfsartsId search attributes):
// a keyed HMAC of the person's e-mail address. The server stores search attributes in plain text, so
// they must not let anyone with a list of likely addresses find who a case belongs to; an unkeyed
// hash (the FNV-1a of the first cases, workflows/case-model.ts) did, from 24 guesses.
//
// New identifiers are keyed with a key derived (HKDF-SHA256) from the key ring's FIRST key (the first
// line, or the first entry of `keys`; rotation appends, so it stays). Searches look for the
// identifiers under EVERY key of the ring, so a ring reordered, or whose first key changed, still
// finds the cases keyed before; only a key removed from the ring loses them.
import { createHmac, hkdfSync } from 'node:crypto';
import { legacyBedrijfsartsKey, legacyCasemanagerKey, normalizedEmail } from '../workflows/case-model.js';
import type { PayloadCodec } from '@temporalio/common';
import { EncryptionCodec, type Keyring } from './codec.js';

const HKDF_INFO = 'poortwachter searchable identifiers v1';
/** 128 bits of the HMAC, hex: twice the length of the unkeyed hash, so the two are never confused. */
const ID_HEX = 32;

export interface SearchKeys {
  /** The CasemanagerId a new case gets for a casemanager with this address. */
  casemanager(email: string): string;
  /** The BedrijfsartsId a new case gets for a bedrijfsarts with this address. */
  bedrijfsarts(email: string): string;
  /** Every keyed CasemanagerId of this address, one per key of the ring; the one of new cases first. */
  everyCasemanager(email: string): string[];
  /** The same for BedrijfsartsId. */
  everyBedrijfsarts(email: string): string[];
}

export function searchKeys(keyring: Keyring): SearchKeys {
  // One HMAC key per key of the ring, the first one first.
  const keys = [...keyring.keys.values()].map((k) =>
    Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), HKDF_INFO, 32)),
  );
  const id = (key: Buffer, role: string, email: string) =>
    createHmac('sha256', key)
      .update(`${role}\n${normalizedEmail(email)}`)
      .digest('hex')
      .slice(0, ID_HEX);
  const every = (prefix: string, role: string, email: string) => keys.map((key) => `${prefix}-${id(key, role, email)}`);
  return {
    casemanager: (email) => every('cm', 'casemanager', email)[0]!,
    bedrijfsarts: (email) => every('ba', 'bedrijfsarts', email)[0]!,
    everyCasemanager: (email) => every('cm', 'casemanager', email),
    everyBedrijfsarts: (email) => every('ba', 'bedrijfsarts', email),
  };
}

/**
 * Every CasemanagerId a person's cases may carry, the one of new cases first: keyed with each key of
 * the ring, and the unkeyed hash of the cases started before keyed identifiers (kept until their next
 * round; a closed one keeps it). Without keys (a client without the codec, in tests) only the last.
 */
export function casemanagerIds(keys: SearchKeys | undefined, email: string): string[] {
  return [...(keys?.everyCasemanager(email) ?? []), legacyCasemanagerKey(email)];
}

/** The same for BedrijfsartsId. */
export function bedrijfsartsIds(keys: SearchKeys | undefined, email: string): string[] {
  return [...(keys?.everyBedrijfsarts(email) ?? []), legacyBedrijfsartsKey(email)];
}

/** The search keys of a client's or worker's codecs: those of its encryption codec, if it has one. */
export function searchKeysOf(codecs: readonly PayloadCodec[]): SearchKeys | undefined {
  const codec = codecs.find((c): c is EncryptionCodec => c instanceof EncryptionCodec);
  return codec && searchKeys(codec.keyring);
}
