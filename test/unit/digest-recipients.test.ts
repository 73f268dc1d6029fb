// The digest reads what visibility lists: each case's CasemanagerId and its summary (version 2),
// never a query per case; only a case whose summary is from before version 2 is read. It finds a
// casemanager's cases by every identifier they carry (keyed, or the unkeyed hash of a case from
// before keyed identifiers), one digest per person. The cases come from an in-memory reader built
// from real case states (caseSummary and caseView of the same state), so a digest from summaries can
// be compared with the digest from the cases' own records.
//
// Finding the casemanagers reads every open case page by page, and an attempt goes on from the page
// the last heartbeat of an earlier attempt names (the activity run in @temporalio/testing's mock
// activity environment, which hands the details to the activity and reports its heartbeats).
import { defaultPayloadConverter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import {
  collectDigests,
  digestRecipients,
  type CaseReader,
  type OpenCase,
  type RecipientScan,
} from '../../activities/digest.js';
import { generateKey, parseKeyring } from '../../runtime/codec.js';
import { casemanagerIds, searchKeys } from '../../runtime/search-keys.js';
import { computeCalendar } from '../../workflows/calendar/index.js';
import { caseView, type CaseView } from '../../workflows/case-api.js';
import { legacyCasemanagerKey } from '../../workflows/case-model.js';
import { caseSummary } from '../../workflows/case-summary.js';
import type { DigestRecipient } from '../../workflows/contract.js';
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
  const openCases = async (ids?: string[]) =>
    cases.filter((c) => !ids || ids.includes(c.listed.casemanagerId!)).map((c) => c.listed);
  return {
    openCases,
    async openCasesPage(ids) {
      return { cases: await openCases(ids) };
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

describe('the recipients scan goes page by page and resumes', () => {
  // Three pages: Bram has a case on the first page only, Anna on the first and the last.
  const pages: OpenCase[][] = [
    [listed('K-1', 'anna@arbo.example'), listed('K-2', 'bram@arbo.example')],
    [listed('K-3', 'carla@arbo.example')],
    [listed('K-4', 'anna@arbo.example'), listed('K-5', 'dirk@arbo.example')],
  ];
  const tokens = [undefined, 'cGFnZS0y', 'cGFnZS0z'];
  const everyone = ['anna@arbo.example', 'bram@arbo.example', 'carla@arbo.example', 'dirk@arbo.example'];

  function listed(caseId: string, email: string): OpenCase {
    const state = caseState('2026-10-29', { caseId, casemanager: { name: email.split('@')[0], email } });
    return {
      caseId,
      casemanagerId: keys.casemanager(email),
      summary: caseSummary(state, computeCalendar(state.facts, { asOf: DATE }), true),
    };
  }

  /** The three pages; `asked` gets the token of each page asked for (undefined: the first). */
  function pagedReader(asked: (string | undefined)[]): CaseReader {
    return {
      async openCases() {
        return pages.flat();
      },
      async openCasesPage(_ids, pageToken) {
        asked.push(pageToken);
        const index = tokens.indexOf(pageToken);
        // What the server answers a token it cannot read: INVALID_ARGUMENT.
        if (index < 0) throw Object.assign(new Error(`invalid page token ${pageToken}`), { code: 3 });
        return { cases: pages[index]!, ...(tokens[index + 1] && { nextPageToken: tokens[index + 1] }) };
      },
      casemanagerIds: (email) => casemanagerIds(keys, email),
      async readCase() {
        throw new Error('every case has a summary');
      },
    };
  }

  /** Runs the scan as an activity whose earlier attempt heartbeated `heartbeatDetails`. */
  async function scan(heartbeatDetails?: unknown) {
    const asked: (string | undefined)[] = [];
    const heartbeats: unknown[] = [];
    const logs: LogEntry[] = [];
    const env = new MockActivityEnvironment(
      { heartbeatDetails },
      { logger: new DefaultLogger('INFO', (entry) => logs.push(entry)) },
    );
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const recipients: DigestRecipient[] = await env.run(digestRecipients, pagedReader(asked));
    return { asked, heartbeats, logs, emails: recipients.map((r) => r.key).sort() };
  }

  const keysOf = (emails: string[]) => emails.map((e) => keys.casemanager(e)).sort();

  it('heartbeats once per page: the next page, the addresses so far, the cases read', async () => {
    const { asked, heartbeats, emails } = await scan();
    expect(asked).toEqual(tokens);
    expect(heartbeats).toEqual([
      { pageToken: tokens[1], emails: ['anna@arbo.example', 'bram@arbo.example'], scanned: 2 },
      { pageToken: tokens[2], emails: everyone.slice(0, 3), scanned: 3 },
      { emails: everyone, scanned: 5 },
    ]);
    expect(emails).toEqual(keysOf(everyone));
  });

  it("goes on from the last heartbeat's page and still names the casemanagers of the pages before", async () => {
    const first = (await scan()).heartbeats[0];
    // What the next attempt gets back: the details as the (JSON) payload converter carries them.
    const details = defaultPayloadConverter.fromPayload(defaultPayloadConverter.toPayload(first)!);
    const { asked, heartbeats, logs, emails } = await scan(details);
    expect(asked).toEqual([tokens[1], tokens[2]]);
    // Bram's only case is on the first page, which this attempt did not read.
    expect(emails).toEqual(keysOf(everyone));
    expect(heartbeats.at(-1)).toEqual({ emails: everyone, scanned: 5 });
    expect(logs.map((l) => [l.level, l.message])).toContainEqual([
      'INFO',
      'digest recipients: going on from the last heartbeat',
    ]);
  });

  it('reads no page again when the last heartbeat followed the last page', async () => {
    const last = (await scan()).heartbeats.at(-1) as RecipientScan;
    const { asked, emails } = await scan(last);
    expect(asked).toEqual([]);
    expect(emails).toEqual(keysOf(everyone));
  });

  it('starts from the first page when the heartbeat holds no scan (an older worker, or damaged)', async () => {
    for (const details of [
      { listed: 41 },
      { pageToken: 7, emails: [], scanned: 0 },
      { pageToken: '', emails: ['anna@arbo.example'], scanned: 2 },
      { pageToken: tokens[1], emails: 'anna@arbo.example', scanned: 2 },
      { pageToken: tokens[1], emails: [], scanned: -1 },
      'cGFnZS0y',
      null,
    ]) {
      const { asked, emails, logs } = await scan(details);
      expect(asked, JSON.stringify(details)).toEqual(tokens);
      expect(emails).toEqual(keysOf(everyone));
      expect(logs.map((l) => [l.level, l.message])).toContainEqual([
        'INFO',
        'digest recipients: the last heartbeat holds no scan progress; scanning from the first page',
      ]);
    }
  });

  it('starts over, keeping the addresses found, when the server refuses the saved page token', async () => {
    const stale = { pageToken: 'c3RhbGU=', emails: ['erik@arbo.example'], scanned: 900 };
    const { asked, emails, logs } = await scan(stale);
    expect(asked).toEqual(['c3RhbGU=', ...tokens]);
    expect(emails).toEqual(keysOf([...everyone, 'erik@arbo.example']));
    expect(logs.map((l) => l.message)).toContain(
      'digest recipients: the server refused the saved page token; scanning from the first page',
    );
  });

  it('scans every page outside an activity (the CLI)', async () => {
    const asked: (string | undefined)[] = [];
    const recipients = await digestRecipients(pagedReader(asked));
    expect(asked).toEqual(tokens);
    expect(recipients.map((r) => r.key).sort()).toEqual(keysOf(everyone));
  });
});
