// Free text must not carry medical data: an employer, and the arbodienst on its behalf in the case
// file the employer sees, may not record a diagnosis, a medicine or a treatment (the Dutch data
// protection authority's rules on sick employees). The fields are structured so that nothing medical
// has a place; notes, reasons and outcomes are free text, so they are screened against this list.
//
// The list: whole words (and phrases), Dutch and English, without accents, lower case, by kind so
// that the refusal can say why. It catches the common words, not every way of saying something: the
// README says what is screened and what is not. An arbodienst adds words, or lifts one that keeps
// catching ordinary text, with POORTWACHTER_MEDICAL_TERMS_FILE (runtime/medical-terms-config.ts).

export type MedicalKind = 'diagnose' | 'medicijn' | 'behandeling' | 'lichaam';

const TERMS: Record<MedicalKind, string[]> = {
  diagnose: [
    'diagnose',
    'diagnosis',
    'burn-out',
    'burnout',
    'overspannen',
    'overspanning',
    'depressie',
    'depressief',
    'depression',
    'depressed',
    'angststoornis',
    'anxiety',
    'paniekstoornis',
    'ptss',
    'ptsd',
    'psychose',
    'psychosis',
    'schizofrenie',
    'schizophrenia',
    'bipolair',
    'bipolar',
    'adhd',
    'autisme',
    'autism',
    'kanker',
    'cancer',
    'tumor',
    'tumour',
    'leukemie',
    'leukemia',
    'diabetes',
    'suikerziekte',
    'migraine',
    'hernia',
    'artrose',
    'arthritis',
    'reuma',
    'rheumatism',
    'fibromyalgie',
    'fibromyalgia',
    'whiplash',
    'rsi',
    'copd',
    'astma',
    'asthma',
    'epilepsie',
    'epilepsy',
    'hartinfarct',
    'heart attack',
    'infarct',
    'beroerte',
    'stroke',
    'herseninfarct',
    'long covid',
    'covid',
    'corona',
    'griep',
    'influenza',
    'longontsteking',
    'pneumonia',
    'verslaving',
    'addiction',
    'alcoholisme',
    'alcoholism',
    'dementie',
    'dementia',
    'multiple sclerose',
    'multiple sclerosis',
    'parkinson',
    'zwangerschapsklachten',
    'miskraam',
    'miscarriage',
    'eetstoornis',
    'anorexia',
    'boulimie',
    'bulimia',
    'slaapstoornis',
    'insomnia',
    'hoge bloeddruk',
    'hypertensie',
    'hypertension',
    'fractuur',
    'fracture',
    'ontsteking',
    'infection',
    'infectie',
  ],
  medicijn: [
    'medicatie',
    'medication',
    'medicijn',
    'medicijnen',
    'medicine',
    'medicines',
    'antidepressiva',
    'antidepressivum',
    'antidepressant',
    'antidepressants',
    'sertraline',
    'paroxetine',
    'citalopram',
    'fluoxetine',
    'venlafaxine',
    'oxazepam',
    'diazepam',
    'lorazepam',
    'temazepam',
    'benzodiazepine',
    'ibuprofen',
    'paracetamol',
    'diclofenac',
    'naproxen',
    'tramadol',
    'oxycodon',
    'oxycodone',
    'morfine',
    'morphine',
    'methylfenidaat',
    'methylphenidate',
    'ritalin',
    'insuline',
    'insulin',
    'prednison',
    'prednisone',
    'antibiotica',
    'antibiotics',
    'slaappillen',
    'sleeping pills',
    'lithium',
    'quetiapine',
  ],
  behandeling: [
    'chemo',
    'chemokuur',
    'chemotherapie',
    'chemotherapy',
    'bestraling',
    'bestralingen',
    'radiotherapie',
    'radiotherapy',
    'operatie',
    'geopereerd',
    'surgery',
    'fysiotherapie',
    'fysiotherapeut',
    'physiotherapy',
    'psycholoog',
    'psychologist',
    'psychiater',
    'psychiatrist',
    'psychotherapie',
    'psychotherapy',
    'therapie',
    'therapy',
    'ggz',
    'revalidatie',
    'rehabilitation',
    'ziekenhuisopname',
    'hospitalised',
    'hospitalized',
    'ziekenhuis',
    'hospital',
    'dialyse',
    'dialysis',
    'emdr',
    'mri',
    'biopsie',
    'biopsy',
  ],
  lichaam: [
    'longen',
    'lungs',
    'liver',
    'nieren',
    'kidneys',
    'hersenen',
    'brain',
    'rugklachten',
    'back pain',
    'nekklachten',
    'knieklachten',
    'schouderklachten',
    'hartklachten',
    'psychische klachten',
    'psychisch',
    'mental health',
    'bloeddruk',
    'blood pressure',
  ],
};

const WHY: Record<MedicalKind, string> = {
  diagnose: 'a diagnosis or illness',
  medicijn: 'a medicine',
  behandeling: 'a treatment or care provider',
  lichaam: 'a body part or system',
};

/** A word or phrase as the screen compares it: lower case, accents off, one space between words. */
export function normalizeTerm(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, ' ')
    .trim();
}

export interface MedicalTermList {
  /** Normalized term → its kind. */
  terms: ReadonlyMap<string, MedicalKind>;
}

/** The built-in list, with words added (kind `diagnose` unless given) and words lifted. */
export function medicalTerms(adjust: { add?: [string, MedicalKind][]; lift?: string[] } = {}): MedicalTermList {
  const terms = new Map<string, MedicalKind>();
  for (const [kind, words] of Object.entries(TERMS) as [MedicalKind, string[]][]) {
    for (const w of words) terms.set(normalizeTerm(w), kind);
  }
  for (const [w, kind] of adjust.add ?? []) terms.set(normalizeTerm(w), kind);
  for (const w of adjust.lift ?? []) terms.delete(normalizeTerm(w));
  return { terms };
}

export const BUILT_IN_MEDICAL_TERMS = medicalTerms();

/**
 * The first medical word or phrase in `text`, if any: whole words only (`hart` does not catch
 * `hartelijk`), phrases of up to three words.
 */
export function findMedicalTerm(
  text: string,
  list: MedicalTermList = BUILT_IN_MEDICAL_TERMS,
): { term: string; kind: MedicalKind } | undefined {
  const words = normalizeTerm(text).split(' ').filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    for (let n = 3; n >= 1; n--) {
      if (i + n > words.length) continue;
      const phrase = words.slice(i, i + n).join(' ');
      const kind = list.terms.get(phrase);
      if (kind) return { term: phrase, kind };
    }
  }
  return undefined;
}

/** The fields of an event that are free text, screened before the event is taken. */
export const FREE_TEXT_FIELDS = ['text', 'reason', 'outcome'] as const;

/** The refusal of an event whose free text names something medical, or undefined. */
export function medicalRefusal(event: Record<string, unknown>, list?: MedicalTermList): string | undefined {
  for (const field of FREE_TEXT_FIELDS) {
    const value = event[field];
    if (typeof value !== 'string') continue;
    const found = findMedicalTerm(value, list);
    if (found) {
      return `${field}: "${found.term}" is ${WHY[found.kind]}: medical data may not be recorded in the case file; write what the employee can and cannot do, not why`;
    }
  }
  return undefined;
}
