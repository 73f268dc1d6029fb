// The digest finds a casemanager's cases by every identifier they carry: the keyed one, and the
// unkeyed hash of a case from before keyed identifiers that has not run since. One digest per person,
// with the cases of both. The cases come from an in-memory reader (the visibility list and the case
// query are what the dev-server digest test exercises); what is tested here is the grouping.
import { describe, expect, it } from 'vitest';
import { collectDigests, digestRecipients, type CaseReader } from '../../activities/digest.js';
import { generateKey, parseKeyring } from '../../runtime/codec.js';
import { casemanagerIds, searchKeys } from '../../runtime/search-keys.js';
import { caseView, type CaseView } from '../../workflows/case-api.js';
import { legacyCasemanagerKey } from '../../workflows/case-model.js';
import { caseState } from './fixtures.js';

const keys = searchKeys(parseKeyring(`k:${generateKey()}`));
const DATE = '2026-11-02'; // a Monday; the cases fell sick on it, so the ziekmelding is due soon

interface Stored {
  view: CaseView;
  casemanagerId: string;
  /** The summary's address: absent in a case from before the summary memo. */
  summaryEmail?: string;
}

function stored(caseId: string, email: string, id: 'keyed' | 'legacy', withSummary: boolean): Stored {
  const state = caseState(DATE, { caseId, casemanager: { name: email.split('@')[0], email } }, false);
  return {
    view: caseView(state, DATE),
    casemanagerId: id === 'keyed' ? keys.casemanager(email) : legacyCasemanagerKey(email),
    ...(withSummary && { summaryEmail: email }),
  };
}

function reader(cases: Stored[], reads: string[]): CaseReader {
  return {
    async openCases(ids) {
      return cases
        .filter((c) => !ids || ids.includes(c.casemanagerId))
        .map((c) => ({ caseId: c.view.caseId, ...(c.summaryEmail && { casemanagerEmail: c.summaryEmail }) }));
    },
    casemanagerIds: (email) => casemanagerIds(keys, email),
    async readCase(caseId) {
      reads.push(caseId);
      return cases.find((c) => c.view.caseId === caseId)?.view;
    },
  };
}

describe('digest recipients across keyed and unkeyed identifiers', () => {
  const cases = [
    stored('K-new', 'anna@arbo.example', 'keyed', true),
    stored('K-old', 'Anna@Arbo.example', 'legacy', false),
    stored('K-bram', 'bram@arbo.example', 'keyed', true),
  ];

  it('names each casemanager once, by the keyed identifier, reading only the case without a summary', async () => {
    const reads: string[] = [];
    const recipients = await digestRecipients(reader(cases, reads), undefined);
    expect(recipients).toHaveLength(2);
    const anna = recipients.find((r) => r.key === keys.casemanager('anna@arbo.example'));
    expect(anna?.ids).toEqual([keys.casemanager('anna@arbo.example'), legacyCasemanagerKey('anna@arbo.example')]);
    expect(reads).toEqual(['K-old']);
  });

  it("puts both of Anna's cases in her one digest, and none of Bram's", async () => {
    const anna = casemanagerIds(keys, 'anna@arbo.example');
    const digests = await collectDigests(reader(cases, []), DATE, { casemanagerKey: anna[0]!, casemanagerIds: anna });
    expect(digests).toHaveLength(1);
    expect(digests[0]!.casemanager.key).toBe(anna[0]);
    const caseIds = [...digests[0]!.overdue, ...digests[0]!.upcoming].map((i) => i.caseId);
    expect([...new Set(caseIds)].sort()).toEqual(['K-new', 'K-old']);
  });

  it('still serves a digest asked for by the unkeyed identifier (started before the change)', async () => {
    const legacy = legacyCasemanagerKey('anna@arbo.example');
    const digests = await collectDigests(reader(cases, []), DATE, { casemanagerKey: legacy });
    expect(digests.map((d) => d.casemanager.key)).toEqual([legacy]);
    expect(new Set([...digests[0]!.upcoming].map((i) => i.caseId))).toEqual(new Set(['K-old']));
  });
});
