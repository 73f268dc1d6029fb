// The case the unit tests start from: the open input of a plain case and the state the workflow keeps
// for it, as it stands after its first round (`started`) unless a test says otherwise.
import type { IsoDate } from '../../workflows/calendar/index.js';
import { initialFacts, openCaseSchema, type CaseState } from '../../workflows/case-model.js';

export function caseState(firstSickDay: IsoDate, extra: Record<string, unknown> = {}, started = true): CaseState {
  const open = openCaseSchema.parse({
    caseId: 'K-1',
    employer: { id: 'wg-1', name: 'Bakkerij De Korenschoof', escalationEmail: 'hr@korenschoof.example' },
    employee: { id: 'wn-1', displayName: 'J. de Vries' },
    casemanager: { name: 'Anna', email: 'anna@arbo.example' },
    bedrijfsarts: { name: 'B. Arts', email: 'arts@arbo.example' },
    firstSickDay,
    ...extra,
  });
  return { open, facts: initialFacts(open), status: 'open', sent: [], timeline: [], started };
}
