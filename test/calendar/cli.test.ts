import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { calendarCommand } from '../../cli/calendar.js';
import type { Io } from '../../cli/io.js';

/** Runs the command with an in-memory terminal. */
async function run(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const io: Io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  const collect = (s: PassThrough) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    return () => Buffer.concat(chunks).toString('utf8');
  };
  const out = collect(io.stdout as PassThrough);
  const err = collect(io.stderr as PassThrough);
  (io.stdin as PassThrough).end(stdin ?? '');
  const code = await calendarCommand(args, io);
  return { code, stdout: out(), stderr: err() };
}

describe('poortwachter calendar', () => {
  it('prints one JSON object with --json', async () => {
    const { code, stdout, stderr } = await run(
      ['--json', '--as-of', '2026-02-16'],
      JSON.stringify({ firstSickDay: '2026-01-05', completed: { ziekmelding: '2026-01-06' } }),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ ruleset: 'wvp-2026', firstSickDay: '2026-01-05', waitingTimeEnds: '2028-01-02' });
    // every id once, in domain.md order
    expect(out.milestones.map((m: { id: string }) => m.id)).toEqual([
      'ziekmelding',
      'probleemanalyse',
      'plan-van-aanpak',
      'evaluatie',
      'uwv-42-weken-melding',
      'eerstejaarsevaluatie',
      'start-tweede-spoor',
      'wia-brief-ontvangen',
      'riv-kopie-werknemer',
      'actueel-oordeel',
      'eindevaluatie',
      'wia-aanvraag',
      'einde-wachttijd',
    ]);
    // D + 41 = 2026-02-15, overdue on Feb 16
    expect(out.milestones[1]).toMatchObject({
      id: 'probleemanalyse',
      due: '2026-02-15',
      status: 'overdue',
      title: 'Probleemanalyse door de bedrijfsarts',
      owner: 'bedrijfsarts',
    });
    expect(out.milestones[0]).toMatchObject({ id: 'ziekmelding', status: 'done', doneOn: '2026-01-06' });
  });

  it('reads the facts from --file and names the latest case after a long gap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'calendar-cli-'));
    const file = join(dir, 'case.json');
    // recovered after Jan 20, relapse Feb 18: 28 days not sick → new case from Feb 18
    writeFileSync(
      file,
      JSON.stringify({
        firstSickDay: '2026-01-05',
        periods: [{ from: '2026-01-05', to: '2026-01-20' }, { from: '2026-02-18' }],
      }),
    );
    const { code, stdout } = await run(['--file', file, '--json']);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.firstSickDay).toBe('2026-02-18');
    expect(out.milestones.find((m: { id: string }) => m.id === 'probleemanalyse').due).toBe('2026-03-31'); // Feb 18 + 41
  });

  it('prints an aligned table with Dutch titles', async () => {
    const { code, stdout } = await run(['--as-of', '2026-01-05'], JSON.stringify({ firstSickDay: '2026-01-05' }));
    expect(code).toBe(0);
    expect(stdout).toContain('Eerste ziektedag:  2026-01-05');
    expect(stdout).toContain('Einde wachttijd:   2028-01-02');
    const lines = stdout.split('\n');
    const header = lines.find((l) => l.startsWith('id '))!;
    const row = lines.find((l) => l.startsWith('probleemanalyse '))!;
    expect(row).toContain('Probleemanalyse door de bedrijfsarts');
    expect(row).toContain('bedrijfsarts');
    // columns line up: the due date sits under the header "uiterlijk"
    expect(row.indexOf('2026-02-15')).toBe(header.indexOf('uiterlijk'));
    const report = lines.find((l) => l.startsWith('uwv-42-weken-melding '))!;
    expect(report.indexOf('2026-10-26')).toBe(header.indexOf('uiterlijk'));
    expect(report.indexOf('open')).toBe(header.indexOf('status'));
    expect(lines.filter((l) => /^[a-z0-9-]+ {2,}/.test(l) && !l.startsWith('id '))).toHaveLength(13);
  });

  it('judges on today without --as-of, and takes the document that opens a case', async () => {
    // A case of 2020: every task is long past its date today, so late, not open.
    const { code, stdout } = await run([], JSON.stringify({ firstSickDay: '2020-01-06' }));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Peildatum: {9}\d{4}-\d\d-\d\d$/m);
    expect(stdout).toMatch(/^probleemanalyse .* te laat$/m);
    const opening = {
      caseId: 'K-1001',
      employer: { id: 'wg-001', name: 'Bakkerij De Korenschoof', escalationEmail: 'hr@korenschoof.example' },
      employee: { id: 'wn-8f3a', displayName: 'J. de Vries' },
      casemanager: { name: 'Anna Jansen', email: 'anna@arbo.example' },
      bedrijfsarts: { name: 'B. Arts', email: 'arts@arbo.example' },
      firstSickDay: '2026-01-05',
      completed: { ziekmelding: '2026-01-06' },
    };
    const fromCase = await run(['--as-of', '2026-02-01'], JSON.stringify(opening));
    expect(fromCase.code, fromCase.stderr).toBe(0);
    expect(fromCase.stdout).toContain('Eerste ziektedag:  2026-01-05');
    expect(fromCase.stdout).toMatch(/^ziekmelding .* gedaan 2026-01-06$/m);
    const badCase = await run([], JSON.stringify({ ...opening, casemanager: { name: 'Anna' } }));
    expect(badCase.code).toBe(2);
    expect(badCase.stderr).toContain('casemanager.email');
  });

  it('exits 2 with the field named on stderr for invalid facts', async () => {
    const { code, stdout, stderr } = await run(
      ['--json'],
      JSON.stringify({
        firstSickDay: '2026-01-05',
        periods: [{ from: '2026-01-05', to: '2026-01-20' }, { from: '2026-01-10' }],
      }),
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('periods[1].from: overlaps periods[0]');
  });

  it('exits 2 for impossible dates, bad JSON, empty input and bad options', async () => {
    expect((await run([], '{"firstSickDay":"2026-02-30"}')).stderr).toContain(
      'firstSickDay: 2026-02-30 does not exist',
    );
    const badJson = await run([], '{"firstSickDay":');
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('not valid JSON');
    expect((await run([], '')).code).toBe(2);
    const badAsOf = await run(['--as-of', '2026-13-01'], '{"firstSickDay":"2026-01-05"}');
    expect(badAsOf.code).toBe(2);
    expect(badAsOf.stderr).toContain('--as-of');
    const unknown = await run(['--frobnicate'], '{"firstSickDay":"2026-01-05"}');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Usage: poortwachter calendar');
    // a postponement that is not a postponement is caught against the calendar, also exit 2
    const early = await run(
      [],
      JSON.stringify({
        firstSickDay: '2026-01-05',
        postponements: [{ milestone: 'probleemanalyse', reason: 'x', newDue: '2026-02-01' }],
      }),
    );
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('postponements[0].newDue');
  });
});
