// The forms to record an event: which fields each event has, how a submitted form becomes the event
// the API takes (the same schema checks it), and how a refusal is shown next to the field it is about.
import { POSTPONABLE_IDS, type Milestone } from '../../workflows/calendar/index.js';
import { DESKUNDIGENOORDEEL_QUESTIONS, EERSTEJAARSEVALUATIE_OUTCOMES } from '../../workflows/case-model.js';

/** The questions UWV answers in a deskundigenoordeel, as the form names them. */
const QUESTION_NL: Record<(typeof DESKUNDIGENOORDEEL_QUESTIONS)[number], string> = {
  'geschikt-eigen-werk': 'Is de werknemer geschikt voor het eigen werk?',
  'voldoende-inspanningen-werknemer': 'Doet de werknemer genoeg om te re-integreren?',
  'passende-arbeid': 'Is de aangeboden arbeid passend?',
  'voldoende-inspanningen-werkgever': 'Doet de werkgever genoeg voor de re-integratie?',
  'frequent-verzuim': 'Is er sprake van frequent verzuim?',
};
import { escapeHtml, type Lang } from './html.js';

interface Field {
  /** The event's field; a dotted name for a nested one (`document.uri`). */
  name: string;
  kind: 'date' | 'text' | 'textarea' | 'number' | 'select' | 'url' | 'email' | 'boolean';
  label: Record<Lang, string>;
  hint?: Record<Lang, string>;
  /** What to say when the schema refuses it, when the field's kind does not say enough. */
  error?: Record<Lang, string>;
  optional?: boolean;
  /** For a select: value and label. */
  options?: (tasks: Milestone[]) => { value: string; label: string }[];
}

/** The events a form is offered for, with their Dutch (and English) names. */
export const FORM_EVENTS = {
  'task-completed': { nl: 'Taak gedaan', en: 'Task done' },
  note: { nl: 'Notitie', en: 'Note' },
  'task-postponed': { nl: 'Taak uitgesteld (art. 5)', en: 'Task postponed (art. 5)' },
  recovered: { nl: 'Hersteld', en: 'Recovered' },
  relapsed: { nl: 'Opnieuw ziek', en: 'Sick again' },
  'deskundigenoordeel-received': { nl: 'Deskundigenoordeel ontvangen', en: 'Expert opinion received' },
  'case-closed': { nl: 'Zaak sluiten', en: 'Close the case' },
  'casemanager-changed': { nl: 'Andere casemanager', en: 'Another case manager' },
  'stand-in': { nl: 'Vervanger (vakantie)', en: 'Stand-in (holiday)' },
  'contact-changed': { nl: 'Ander contact', en: 'Other contact' },
  'spoor1-uitzichtloos': { nl: 'Spoor 1 uitzichtloos', en: 'Track 1 without prospect' },
  'spoor2-exception': { nl: 'Uitzondering spoor 2', en: 'Track 2 exception' },
  loonsanctie: { nl: 'Loonsanctie', en: 'Wage sanction (loonsanctie)' },
  'loonsanctie-bekort': { nl: 'Loonsanctie bekort', en: 'Wage sanction shortened' },
  'vrijwillige-verlenging': { nl: 'Vrijwillige verlenging', en: 'Voluntary extension' },
  'employment-ended': { nl: 'Uit dienst', en: 'Employment ended' },
} as const;
export type FormEvent = keyof typeof FORM_EVENTS;

/** What cannot be undone asks for a confirmation first. */
export const NEEDS_CONFIRMATION: FormEvent[] = ['case-closed', 'employment-ended', 'loonsanctie'];

const openTasks = (tasks: Milestone[]) =>
  tasks.filter((m) => m.isTask && (m.status === 'open' || m.status === 'overdue' || m.status === 'postponed'));

const DATE = (nl: string, en: string): Field => ({ name: 'date', kind: 'date', label: { nl, en } });

/** A document reference: where it is kept, and its fingerprint (both or neither). */
const DOCUMENT_FIELDS: Field[] = [
  {
    name: 'document.uri',
    kind: 'url',
    optional: true,
    label: { nl: 'Document (adres)', en: 'Document (address)' },
    hint: { nl: 'waar het document staat, bijvoorbeeld in het dossier', en: 'where the document is kept' },
  },
  {
    name: 'document.sha256',
    kind: 'text',
    optional: true,
    label: { nl: 'Vingerafdruk van het document (SHA-256)', en: 'Document fingerprint (SHA-256)' },
    hint: { nl: '64 tekens, bij een document verplicht', en: '64 characters, required with a document' },
    error: {
      nl: 'Vul de SHA-256 van het document in: 64 tekens, alleen 0-9 en a-f.',
      en: "Enter the document's SHA-256: 64 characters, only 0-9 and a-f.",
    },
  },
];

export const FIELDS: Record<FormEvent, Field[]> = {
  'task-completed': [
    {
      name: 'task',
      kind: 'select',
      label: { nl: 'Taak', en: 'Task' },
      options: (tasks) => openTasks(tasks).map((m) => ({ value: m.id, label: m.title })),
    },
    DATE('Gedaan op', 'Done on'),
    ...DOCUMENT_FIELDS,
    {
      name: 'outcome',
      kind: 'select',
      optional: true,
      label: { nl: 'Uitkomst (alleen eerstejaarsevaluatie)', en: 'Outcome (first-year evaluation only)' },
      options: () => EERSTEJAARSEVALUATIE_OUTCOMES.map((o) => ({ value: o, label: o })),
    },
  ],
  note: [{ name: 'text', kind: 'textarea', label: { nl: 'Notitie', en: 'Note' }, hint: NO_MEDICAL() }],
  'task-postponed': [
    {
      name: 'task',
      kind: 'select',
      label: { nl: 'Taak', en: 'Task' },
      options: (tasks) =>
        openTasks(tasks)
          .filter((m) => (POSTPONABLE_IDS as readonly string[]).includes(m.id))
          .map((m) => ({ value: m.id, label: m.title })),
    },
    { name: 'newDate', kind: 'date', label: { nl: 'Nieuwe uiterste datum', en: 'New due date' } },
    { name: 'reason', kind: 'textarea', label: { nl: 'Reden', en: 'Reason' }, hint: NO_MEDICAL() },
  ],
  recovered: [
    DATE('Hersteld op', 'Recovered on'),
    {
      name: 'workPercentage',
      kind: 'number',
      optional: true,
      label: { nl: 'Werkt weer voor (procent)', en: 'Working again (percent)' },
      hint: { nl: 'leeg of 100: volledig hersteld', en: 'empty or 100: fully recovered' },
    },
  ],
  relapsed: [DATE('Opnieuw ziek vanaf', 'Sick again from')],
  'deskundigenoordeel-received': [
    DATE('Ontvangen op', 'Received on'),
    {
      name: 'question',
      kind: 'select',
      label: { nl: 'Vraag aan UWV', en: 'Question to UWV' },
      options: () => DESKUNDIGENOORDEEL_QUESTIONS.map((q) => ({ value: q, label: QUESTION_NL[q] })),
    },
    { name: 'outcome', kind: 'textarea', label: { nl: 'Oordeel van UWV', en: "UWV's opinion" }, hint: NO_MEDICAL() },
    ...DOCUMENT_FIELDS,
  ],
  'case-closed': [{ name: 'reason', kind: 'textarea', label: { nl: 'Reden', en: 'Reason' }, hint: NO_MEDICAL() }],
  'casemanager-changed': [
    { name: 'name', kind: 'text', label: { nl: 'Naam', en: 'Name' } },
    { name: 'email', kind: 'email', label: { nl: 'E-mailadres', en: 'E-mail address' } },
    {
      name: 'team',
      kind: 'text',
      optional: true,
      label: { nl: 'Team', en: 'Team' },
      hint: { nl: 'het team van de nieuwe casemanager', en: "the new case manager's team" },
    },
    {
      name: 'from',
      kind: 'date',
      label: { nl: 'Vanaf', en: 'From' },
      hint: {
        nl: 'vanaf nu krijgt de nieuwe casemanager de e-mails; de oude krijgt de afzegging van open agenda-uitnodigingen',
        en: 'from now on the new case manager gets the e-mails; the old one gets the cancellation of open invitations',
      },
    },
  ],
  'stand-in': [
    { name: 'name', kind: 'text', label: { nl: 'Naam', en: 'Name' } },
    { name: 'email', kind: 'email', label: { nl: 'E-mailadres', en: 'E-mail address' } },
    { name: 'from', kind: 'date', label: { nl: 'Van', en: 'From' } },
    { name: 'until', kind: 'date', label: { nl: 'Tot en met', en: 'Until' } },
  ],
  'contact-changed': [
    {
      name: 'contact',
      kind: 'select',
      label: { nl: 'Wie', en: 'Who' },
      options: () => [
        { value: 'werkgever', label: 'contactpersoon van de werkgever (escalaties)' },
        { value: 'bedrijfsarts', label: 'bedrijfsarts' },
      ],
    },
    {
      name: 'name',
      kind: 'text',
      optional: true,
      label: { nl: 'Naam', en: 'Name' },
      hint: { nl: 'verplicht voor een bedrijfsarts', en: 'required for a company doctor' },
    },
    { name: 'email', kind: 'email', label: { nl: 'E-mailadres', en: 'E-mail address' } },
  ],
  'spoor1-uitzichtloos': [DATE('Vastgesteld op', 'Established on')],
  'spoor2-exception': [
    {
      name: 'reason',
      kind: 'select',
      label: { nl: 'Reden', en: 'Reason' },
      options: () => [
        { value: 'terugkeer-eigen-werk-binnen-3-maanden', label: 'terugkeer in eigen werk binnen 3 maanden verwacht' },
        { value: 'onvoldoende-belastbaar', label: 'onvoldoende belastbaar voor re-integratie' },
      ],
    },
    { name: 'until', kind: 'date', label: { nl: 'Tot', en: 'Until' } },
  ],
  loonsanctie: [
    {
      name: 'weeks',
      kind: 'number',
      label: { nl: 'Weken', en: 'Weeks' },
      hint: { nl: '1 tot en met 52', en: '1 to 52' },
    },
    { name: 'decisionDate', kind: 'date', label: { nl: 'Datum besluit UWV', en: "Date of UWV's decision" } },
  ],
  'loonsanctie-bekort': [{ name: 'endDate', kind: 'date', label: { nl: 'Eindigt op', en: 'Ends on' } }],
  'vrijwillige-verlenging': [
    {
      name: 'weeks',
      kind: 'number',
      label: { nl: 'Weken', en: 'Weeks' },
      hint: { nl: 'in totaal hoogstens 52', en: 'at most 52 in total' },
    },
    { name: 'date', kind: 'date', optional: true, label: { nl: 'Aangevraagd op', en: 'Requested on' } },
  ],
  'employment-ended': [
    DATE('Uit dienst op', 'Employment ended on'),
    {
      name: 'eigenrisicodrager',
      kind: 'boolean',
      label: { nl: 'Eigenrisicodrager voor de Ziektewet', en: 'Own risk bearer (Ziektewet)' },
    },
  ],
};

function NO_MEDICAL(): Record<Lang, string> {
  return { nl: 'geen medische gegevens', en: 'no medical information' };
}

/** The form's values as the event: empty fields left out, nested names nested, numbers as numbers. */
export function eventFromForm(type: FormEvent, form: Record<string, unknown>): Record<string, unknown> {
  const event: Record<string, unknown> = { type };
  for (const field of FIELDS[type]) {
    const raw = form[field.name];
    const value = typeof raw === 'string' ? raw.trim() : undefined;
    if (!value) continue;
    const parsed =
      field.kind === 'number' && /^\d+$/.test(value)
        ? Number(value)
        : field.kind === 'boolean' && (value === 'ja' || value === 'nee')
          ? value === 'ja'
          : value;
    const [outer, inner] = field.name.split('.');
    if (inner) event[outer!] = { ...(event[outer!] as object), [inner]: parsed };
    else event[outer!] = parsed;
  }
  return event;
}

/** A Dutch (or English) message for a field the schema refused, by the kind of field. */
function fieldMessage(field: Field, lang: Lang): string {
  const nl: Record<Field['kind'], string> = {
    date: 'Vul een geldige datum in.',
    text: 'Deze waarde klopt niet.',
    textarea: 'Vul dit veld in (hoogstens het toegestane aantal tekens).',
    number: 'Vul een heel getal in.',
    select: 'Kies een van de mogelijkheden.',
    url: 'Vul een volledig adres in, beginnend met https://',
    email: 'Vul een geldig e-mailadres in.',
    boolean: 'Kies ja of nee.',
  };
  const en: Record<Field['kind'], string> = {
    date: 'Enter a valid date.',
    text: 'This value is not right.',
    textarea: 'Fill in this field (at most the allowed number of characters).',
    number: 'Enter a whole number.',
    select: 'Choose one of the options.',
    url: 'Enter a full address, starting with https://',
    email: 'Enter a valid e-mail address.',
    boolean: 'Choose yes or no.',
  };
  return (lang === 'nl' ? nl : en)[field.kind];
}

/**
 * The refused fields, by form field name, in the person's language (the schema's own words, which are
 * English, only for English readers); an issue of a whole object goes to its first field.
 */
export function errorsByField(type: FormEvent, issues: { path: string; message: string }[], lang: Lang) {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const field =
      FIELDS[type].find((f) => f.name === issue.path) ?? FIELDS[type].find((f) => f.name.startsWith(`${issue.path}.`));
    if (!field || errors[field.name]) continue;
    const said = field.error?.[lang] ?? fieldMessage(field, lang);
    errors[field.name] = lang === 'en' ? `${said} (${issue.message})` : said;
  }
  return errors;
}

/** The fields of one form, with the values entered and the errors next to their field. */
export function renderFields(
  type: FormEvent,
  lang: Lang,
  tasks: Milestone[],
  values: Record<string, unknown>,
  errors: Record<string, string>,
): string {
  return FIELDS[type]
    .map((field) => {
      const id = `veld-${field.name.replace('.', '-')}`;
      const value = typeof values[field.name] === 'string' ? (values[field.name] as string) : '';
      const error = errors[field.name];
      const described = [field.hint && `${id}-hint`, error && `${id}-fout`].filter(Boolean).join(' ');
      const common = `id="${id}" name="${escapeHtml(field.name)}"${field.optional ? '' : ' required'}${
        described ? ` aria-describedby="${described}"` : ''
      }${error ? ' aria-invalid="true"' : ''}`;
      let control: string;
      if (field.kind === 'boolean') {
        const choice = (v: string, label: string) =>
          `<option value="${v}"${value === v ? ' selected' : ''}>${label}</option>`;
        const yes = lang === 'nl' ? 'ja' : 'yes';
        const no = lang === 'nl' ? 'nee' : 'no';
        control = `<select ${common}><option value="">${lang === 'nl' ? '— kies —' : '— choose —'}</option>${choice('ja', yes)}${choice('nee', no)}</select>`;
      } else if (field.kind === 'select') {
        const choices = field.options!(tasks);
        const options = choices
          .map(
            (o) =>
              `<option value="${escapeHtml(o.value)}"${o.value === value ? ' selected' : ''}>${escapeHtml(o.label)}</option>`,
          )
          .join('');
        // Nothing chosen yet: an empty first choice, so that the browser does not choose one silently.
        const none = field.optional || !choices.some((o) => o.value === value);
        const empty = none
          ? `<option value="">${field.optional ? '—' : lang === 'nl' ? '— kies —' : '— choose —'}</option>`
          : '';
        control = `<select ${common}>${empty}${options}</select>`;
      } else if (field.kind === 'textarea') {
        control = `<textarea ${common} maxlength="2000">${escapeHtml(value)}</textarea>`;
      } else {
        const type = field.kind;
        control = `<input type="${type}" ${common} value="${escapeHtml(value)}"${field.kind === 'number' ? ' min="1" max="100"' : ''}>`;
      }
      return `<label for="${id}">${escapeHtml(field.label[lang])}${field.optional ? ` <span class="hint">(${lang === 'nl' ? 'niet verplicht' : 'optional'})</span>` : ''}</label>
${field.hint ? `<div class="hint muted" id="${id}-hint">${escapeHtml(field.hint[lang])}</div>` : ''}
${error ? `<p class="error" id="${id}-fout">${escapeHtml(error)}</p>` : ''}
${control}`;
    })
    .join('\n');
}
