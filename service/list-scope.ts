// Which visibility filters a list runs for a caller: the filters asked, within each part of the
// caller's scope (identity.ts listScope: a casemanager's own cases, a team's, a bedrijfsarts', an
// employer's, or all). A part the filters exclude (another casemanager, another employer) is dropped.
// Used by the API's list and the task list page.
import type { CaseListFilter } from '../client/cases.js';
import { listScope, type Identity, type ListPart } from './identity.js';

/** The filters to run, one per part of the scope; none when the caller may list nothing of what is asked. */
export function scopedFilters(identity: Identity, asked: CaseListFilter): CaseListFilter[] {
  const scope = listScope(identity);
  return (scope === 'all' ? [{}] : scope).flatMap((part) => within(asked, part) ?? []);
}

function within(asked: CaseListFilter, part: ListPart | Record<string, never>): CaseListFilter | undefined {
  const p = part as Partial<Record<'casemanagerEmail' | 'employerId', string>>;
  const [email, employer] = [asked.casemanagerEmail, asked.employerId];
  if (email && p.casemanagerEmail && email.toLowerCase() !== p.casemanagerEmail.toLowerCase()) return undefined;
  if (employer && p.employerId && employer !== p.employerId) return undefined;
  return { ...asked, ...part };
}
