// The arbodienst's own adjustments to the medical-terms screen (workflows/medical-terms.ts), from the
// file POORTWACHTER_MEDICAL_TERMS_FILE names: one word or phrase per line, added as a diagnosis, or
// `word = medicijn|behandeling|lichaam|diagnose` for another kind; `!word` lifts a built-in word that
// keeps catching ordinary text; `#` starts a comment.
import { readFileSync } from 'node:fs';
import { medicalTerms, type MedicalKind, type MedicalTermList } from '../workflows/medical-terms.js';

const KINDS = new Set<MedicalKind>(['diagnose', 'medicijn', 'behandeling', 'lichaam']);

export class MedicalTermsError extends Error {
  override name = 'MedicalTermsError';
}

export function parseMedicalTerms(text: string, source: string): MedicalTermList {
  const add: [string, MedicalKind][] = [];
  const lift: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    if (line.startsWith('!')) {
      lift.push(line.slice(1).trim());
      return;
    }
    const [word, kind] = line.split('=').map((p) => p.trim());
    if (!word) throw new MedicalTermsError(`${source}: line ${i + 1} has no word`);
    if (kind !== undefined && !KINDS.has(kind as MedicalKind)) {
      throw new MedicalTermsError(`${source}: line ${i + 1}: "${kind}" must be one of ${[...KINDS].join(', ')}`);
    }
    add.push([word, (kind as MedicalKind | undefined) ?? 'diagnose']);
  });
  return medicalTerms({ add, lift });
}

/** The configured list: the built-in one, adjusted by the file when there is one. */
export function loadMedicalTerms(file: string | undefined): MedicalTermList {
  return file ? parseMedicalTerms(readFileSync(file, 'utf8'), file) : medicalTerms();
}
