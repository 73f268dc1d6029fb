// The values of the searchable identifiers (the CasemanagerId and BedrijfsartsId search attributes):
// a keyed HMAC of the person's e-mail address. The server stores search attributes in plain text, so
// they must not let anyone with a list of likely addresses find who a case belongs to; an unkeyed
// hash (the FNV-1a of the first cases, workflows/case-model.ts) did, from 24 guesses.
//
// The HMAC key is derived (HKDF-SHA256) from the key ring's FIRST key: rotation appends keys, so the
// first stays, and with it every case's identifiers. A ring whose first key is removed or replaced
// makes the cases of before unlisted by person (docs/operations.md says so).
import { createHmac, hkdfSync } from 'node:crypto';
import { legacyBedrijfsartsKey, legacyCasemanagerKey, normalizedEmail } from '../workflows/case-model.js';
import type { PayloadCodec } from '@temporalio/common';
import { EncryptionCodec, type Keyring } from './codec.js';

const HKDF_INFO = 'poortwachter searchable identifiers v1';
/** 128 bits of the HMAC, hex: twice the length of the unkeyed hash, so the two are never confused. */
const ID_HEX = 32;

export interface SearchKeys {
  /** The CasemanagerId of a case whose casemanager has this address. */
  casemanager(email: string): string;
  /** The BedrijfsartsId of a case whose bedrijfsarts has this address. */
  bedrijfsarts(email: string): string;
}

export function searchKeys(keyring: Keyring): SearchKeys {
  const first = keyring.keys.values().next().value as Buffer;
  const key = Buffer.from(hkdfSync('sha256', first, Buffer.alloc(0), HKDF_INFO, 32));
  const id = (role: string, email: string) =>
    createHmac('sha256', key)
      .update(`${role}\n${normalizedEmail(email)}`)
      .digest('hex')
      .slice(0, ID_HEX);
  return {
    casemanager: (email) => `cm-${id('casemanager', email)}`,
    bedrijfsarts: (email) => `ba-${id('bedrijfsarts', email)}`,
  };
}

/**
 * Every CasemanagerId a person's cases may carry: the keyed one, and the unkeyed hash that cases
 * started before keyed identifiers keep until their next round. Without keys (a client without the
 * codec, in tests) only the unkeyed one.
 */
export function casemanagerIds(keys: SearchKeys | undefined, email: string): string[] {
  return keys ? [keys.casemanager(email), legacyCasemanagerKey(email)] : [legacyCasemanagerKey(email)];
}

/** The same for BedrijfsartsId. */
export function bedrijfsartsIds(keys: SearchKeys | undefined, email: string): string[] {
  return keys ? [keys.bedrijfsarts(email), legacyBedrijfsartsKey(email)] : [legacyBedrijfsartsKey(email)];
}

/** The search keys of a client's or worker's codecs: those of its encryption codec, if it has one. */
export function searchKeysOf(codecs: readonly PayloadCodec[]): SearchKeys | undefined {
  const codec = codecs.find((c): c is EncryptionCodec => c instanceof EncryptionCodec);
  return codec && searchKeys(codec.keyring);
}
