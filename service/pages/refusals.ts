// What the case says when it refuses an event (workflows/case-events.ts, in English for the API and
// the CLI), in Dutch for the pages, with the field it is about, so that the form can say it next to
// that field. A refusal not known here is still shown, as the case words it.
import { formatDate, type Lang } from './html.js';

interface Said {
  /** The event field it is about, when there is one. */
  field?: string;
  text: string;
}

const D = '(\\d{4}-\\d{2}-\\d{2})';

const MEDICAL_NL: Record<string, string> = {
  'a diagnosis or illness': 'een diagnose of ziekte',
  'a medicine': 'een medicijn',
  'a treatment or care provider': 'een behandeling of behandelaar',
  'a body part or system': 'een lichaamsdeel of orgaan',
};

/** Pattern (on the case's English message) → field and Dutch words; dates become dd-mm-jjjj. */
const DUTCH: [RegExp, (m: string[], d: (iso: string) => string) => Said][] = [
  [
    new RegExp(`^(\\w+): ${D} is in the future \\(today is ${D}\\)`),
    (m, d) => ({ field: m[1], text: `${d(m[2]!)} ligt in de toekomst (vandaag is het ${d(m[3]!)}).` }),
  ],
  [
    new RegExp(`^(\\w+): ${D} is before the first sick day ${D}`),
    (m, d) => ({ field: m[1], text: `${d(m[2]!)} ligt vóór de eerste ziektedag (${d(m[3]!)}).` }),
  ],
  [
    /^(\w+): "([^"]+)" is (a diagnosis or illness|a medicine|a treatment or care provider|a body part or system): medical data/,
    (m) => ({
      field: m[1],
      text: `"${m[2]}" is ${MEDICAL_NL[m[3]!] ?? 'medisch'}: medische gegevens horen niet in het dossier. Schrijf op wat de werknemer wel en niet kan, niet waarom.`,
    }),
  ],
  [/^the case is closed/, () => ({ text: 'De zaak is gesloten; er kan niets meer worden vastgelegd.' })],
  [/^\S+ is not applicable in this case/, () => ({ field: 'task', text: 'Deze taak geldt niet (meer) in deze zaak.' })],
  [
    new RegExp(`^an evaluatie on ${D} is already recorded`),
    (m, d) => ({ field: 'date', text: `Er is al een evaluatie vastgelegd op ${d(m[1]!)}.` }),
  ],
  [
    new RegExp(`^\\S+ is already recorded as done on ${D}`),
    (m, d) => ({ field: 'task', text: `Deze taak is al gedaan op ${d(m[1]!)}.` }),
  ],
  [
    new RegExp(`^\\S+ is already done on ${D}; it cannot be postponed`),
    (m, d) => ({ field: 'task', text: `Deze taak is al gedaan op ${d(m[1]!)}; uitstellen kan niet meer.` }),
  ],
  [
    /^outcome: is required for the eerstejaarsevaluatie/,
    () => ({ field: 'outcome', text: 'Kies de uitkomst van de eerstejaarsevaluatie.' }),
  ],
  [
    /^outcome: only the eerstejaarsevaluatie has an outcome/,
    () => ({ field: 'outcome', text: 'Alleen de eerstejaarsevaluatie heeft een uitkomst; laat dit veld leeg.' }),
  ],
  [
    new RegExp(`^date: the eerstejaarsevaluatie may be held from week 46 \\(${D}\\)`),
    (m, d) => ({ field: 'date', text: `De eerstejaarsevaluatie kan vanaf week 46 (${d(m[1]!)}).` }),
  ],
  [
    new RegExp(`^newDate: ${D} is not later than the current due date ${D}`),
    (m, d) => ({ field: 'newDate', text: `De nieuwe datum moet na de huidige uiterste datum (${d(m[2]!)}) liggen.` }),
  ],
  [/^the employee is already recorded as recovered/, () => ({ text: 'De werknemer is al hersteld gemeld.' })],
  [
    new RegExp(`^date: recovery on ${D} must come after the start of the sickness on ${D}`),
    (m, d) => ({ field: 'date', text: `Herstel moet na het begin van de ziekte (${d(m[2]!)}) liggen.` }),
  ],
  [/^a relapse needs a recorded recovery first/, () => ({ text: 'Opnieuw ziek kan pas na een herstelmelding.' })],
  [
    new RegExp(`^date: the relapse on ${D} must come after the recovery on ${D}`),
    (m, d) => ({ field: 'date', text: `Opnieuw ziek moet na het herstel op ${d(m[2]!)} liggen.` }),
  ],
  [
    new RegExp(`^the relapse on ${D} comes (\\d+) days after the recovery on ${D}`),
    (m, d) => ({
      field: 'date',
      text: `Dat is ${m[2]} dagen na het herstel op ${d(m[3]!)}: een nieuwe ziekmelding. Open een nieuwe zaak met eerste ziektedag ${d(m[1]!)}.`,
    }),
  ],
];

/** The refusal as the page says it: Dutch (with its field) when known, else the case's own words. */
export function sayRefusal(message: string, lang: Lang): Said {
  const field = /^(\w+): /.exec(message)?.[1];
  if (lang === 'en') return { ...(field && { field }), text: message };
  const date = (iso: string) => formatDate(iso, 'nl');
  for (const [pattern, say] of DUTCH) {
    const m = pattern.exec(message);
    if (m) return say([...m], date);
  }
  return { ...(field && { field }), text: `De zaak weigert dit: ${message}` };
}
