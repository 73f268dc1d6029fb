// The digest reads what visibility lists: each case's CasemanagerId and its summary (version 2),
// never a query per case; only a case whose summary is from before version 2 is read. It finds a
// casemanager's cases by every identifier they carry (keyed, or the unkeyed hash of a case from
// before keyed identifiers), one digest per person. The cases come from an in-memory reader built
// from real case states (caseSummary and caseView of the same state), so a digest from summaries can
// be compared with the digest from the cases' own records.
import { describe, expect, it } from 'vitest';
import { collectDigests, digestRecipients, type CaseReader, type OpenCase } from '../../activities/digest.js';
import { generateKey, parseKeyring } from '../../runtime/codec.js';
import { casemanagerIds, searchKeys } from '../../runtime/search-keys.js';
import { computeCalendar } from '../../workflows/calendar/index.js';
import { caseView, type CaseView } from '../../workflows/case-api.js';
import { legacyCasemanagerKey } from '../../workflows/case-model.js';
import { caseSummary } from '../../workflows/case-summary.js';
import { caseState } from './fixtures.js';

const keys = searchKeys(parseKeyring(`k:${generateKey()}`));
/** The digest's day: a Monday; the cases fell sick on different days before it. */
const DATE = '2026-11-02';

type Kind = 'summary-v2' | 'summary-v1' | 'no-summary';
interface Stored {
  view: CaseView;
  listed: OpenCase;
}

function stored(
  caseId: string,
  email: string,
  sickDay: string,
  kind: Kind,
  extra: Record<string, unknown> = {},
): Stored {
  const state = caseState(sickDay, { caseId, casemanager: { name: email.split('@')[0], email }, ...extra });
  const calendar = computeCalendar(state.facts, { asOf: DATE });
  return {
    view: caseView(state, DATE),
    listed: {
      caseId,
      casemanagerId: kind === 'no-summary' ? legacyCasemanagerKey(email) : keys.casemanager(email),
      ...(kind !== 'no-summary' && { summary: caseSummary(state, calendar, kind === 'summary-v2') }),
    },
  };
}

function reader(cases: Stored[], reads: string[]): CaseReader {
  return {
    async openCases(ids) {
      return cases.filter((c) => !ids || ids.includes(c.listed.casemanagerId!)).map((c) => c.listed);
    },
    casemanagerIds: (email) => casemanagerIds(keys, email),
    async readCase(caseId) {
      reads.push(caseId);
      return cases.find((c) => c.view.caseId === caseId)?.view;
    },
  };
}

const anna = casemanagerIds(keys, 'anna@arbo.example');

describe('the digest reads summaries, not cases', () => {
  // Anna: a case 20 weeks in (overdue tasks) and a fresh one; Bram (English): a fresh one.
  const cases = (kind: Kind) => [
    stored('K-late', 'anna@arbo.example', '2026-06-15', kind),
    stored('K-fresh', 'anna@arbo.example', '2026-10-29', kind),
    stored('K-bram', 'bram@arbo.example', '2026-10-29', kind, {
      casemanager: { name: 'Bram', email: 'bram@arbo.example', language: 'en' },
    }),
  ];

  it('makes the same digests from version-2 summaries as from the cases themselves, with no query', async () => {
    const fromSummaries: string[] = [];
    const fromCases: string[] = [];
    const a = await collectDigests(reader(cases('summary-v2'), fromSummaries), DATE);
    const b = await collectDigests(reader(cases('summary-v1'), fromCases), DATE);
    expect(fromSummaries).toEqual([]);
    expect(fromCases.sort()).toEqual(['K-bram', 'K-fresh', 'K-late']);
    expect(a).toEqual(b);
    expect(a.map((d) => [d.casemanager.email, d.language])).toEqual([
      ['anna@arbo.example', 'nl'],
      ['bram@arbo.example', 'en'],
    ]);
    expect(a[0]!.overdue.length).toBeGreaterThan(0);
    expect(a[0]!.upcoming.length).toBeGreaterThan(0);
  });

  it('names each casemanager once, by the keyed identifier, reading only a case without a summary', async () => {
    const reads: string[] = [];
    const mixed = [...cases('summary-v2'), stored('K-old', 'Anna@Arbo.example', '2026-10-29', 'no-summary')];
    const recipients = await digestRecipients(reader(mixed, reads), undefined);
    expect(recipients.map((r) => r.key).sort()).toEqual(
      [keys.casemanager('anna@arbo.example'), keys.casemanager('bram@arbo.example')].sort(),
    );
    expect(recipients.find((r) => r.key === anna[0])?.ids).toEqual(anna);
    expect(reads).toEqual(['K-old']);

    const [digest, ...none] = await collectDigests(reader(mixed, []), DATE, {
      casemanagerKey: anna[0]!,
      casemanagerIds: anna,
    });
    expect(none).toEqual([]);
    const caseIds = new Set([...digest!.overdue, ...digest!.upcoming].map((i) => i.caseId));
    expect(caseIds).toEqual(new Set(['K-late', 'K-fresh', 'K-old']));
  });

  it('still serves a digest asked for by the unkeyed identifier (started before the change)', async () => {
    const legacy = legacyCasemanagerKey('anna@arbo.example');
    const mixed = [...cases('summary-v2'), stored('K-old', 'anna@arbo.example', '2026-10-29', 'no-summary')];
    const digests = await collectDigests(reader(mixed, []), DATE, { casemanagerKey: legacy });
    expect(digests.map((d) => d.casemanager.key)).toEqual([legacy]);
    expect(new Set([...digests[0]!.overdue, ...digests[0]!.upcoming].map((i) => i.caseId))).toEqual(new Set(['K-old']));
  });
});
