// Who owns a task, as people read it in e-mails and on the pages: Dutch, and English for English
// readers. Shared by the activities (e-mails) and the service (pages), so both say it the same way.
export const OWNER_NAMES: Record<'nl' | 'en', Record<string, string>> = {
  nl: {
    werkgever: 'werkgever',
    werknemer: 'werknemer',
    'werkgever+werknemer': 'werkgever en werknemer',
    bedrijfsarts: 'bedrijfsarts',
    casemanager: 'casemanager',
    none: '—',
  },
  en: {
    werkgever: 'employer',
    werknemer: 'employee',
    'werkgever+werknemer': 'employer and employee',
    bedrijfsarts: 'company doctor (bedrijfsarts)',
    casemanager: 'casemanager',
    none: '—',
  },
};

/** A task's status as people read it: the pages, the CLI's calendar and the audit report. */
export const STATUS_NAMES: Record<'nl' | 'en', Record<string, string>> = {
  nl: { open: 'open', done: 'gedaan', overdue: 'te laat', postponed: 'uitgesteld', 'not-applicable': 'n.v.t.' },
  en: { open: 'open', done: 'done', overdue: 'overdue', postponed: 'postponed', 'not-applicable': 'n/a' },
};
