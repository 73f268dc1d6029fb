// `poortwachter simulate`, run in-process like the CLI runs it: its own time-skipping server, the
// real workflow and activities, a real SMTP server on loopback. The expected moments are worked out
// by hand from domain.md (working days, Easter and Hemelvaart 2025) and checked against Intl's
// Europe/Amsterdam rules, not against the project's own Amsterdam-time code.
import { readFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { simulateCommand } from '../cli/simulate.js';
import type { SimulationResult } from '../tools/simulate.js';
import { inAmsterdam } from './setup/case-story.js';

const EXAMPLE = new URL('../docs/examples/scenario.json', import.meta.url).pathname;

async function run(args: string[], stdinText = '') {
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', (chunk) => err.push(String(chunk)));
  const code = await simulateCommand(args, { stdin, stdout, stderr });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const ANNA = 'anna@arbo.example';
const ARTS = 'arts@arbo.example';
const HR = 'hr@korenschoof.example';

describe('poortwachter simulate', () => {
  it('runs the example scenario (2025, in the past) in its own dates: e-mails at 08:00 Amsterdam, right recipients, final state', async () => {
    const { code, stdout, stderr } = await run(['--file', EXAMPLE, '--json']);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as SimulationResult; // exactly one JSON object
    expect(result.scenario).toMatchObject({ firstSickDay: '2025-03-03', openOn: '2025-03-03', until: '2025-07-31' });

    // D = Monday 2025-03-03. Reminders on the 5th working day before the due date, escalation on the
    // first working day after it. Worked by hand:
    // - ziekmelding due D+6 = Sun 03-09: 5 working days back is Mon 03-03 (winter time: 07:00Z).
    // - probleemanalyse due D+41 = Sun 04-13: Mon 04-07 (summer time since 03-30: 06:00Z); the
    //   bedrijfsarts' own task, so the bedrijfsarts is reminded too.
    // - plan-van-aanpak: 14 days after the probleemanalyse of 04-10 = Thu 04-24; back over Easter
    //   Monday 04-21 and Goede Vrijdag 04-18: 04-23, 04-22, 04-17, 04-16, 04-15.
    // - evaluatie: 42 days after the plan van aanpak of 04-22 = Tue 06-03; back over Hemelvaart
    //   05-29: 06-02, 05-30, 05-28, 05-27, 05-26. Never held, so it escalates on Wed 06-04 to the
    //   casemanager with the employer's escalation address in cc.
    // - each task done after its reminder gets its calendar entry cancelled when it is recorded
    //   (09:00 Amsterdam, the moment of the event);
    // - still open 10 working days after the escalation (tweede Pinksterdag 06-09 does not count):
    //   06-05, 06, 10, 11, 12, 13, 16, 17, 18, 19 → the second escalation on Thu 06-19.
    const expected = [
      { kind: 'reminder', task: 'ziekmelding', due: '2025-03-09', at: '2025-03-03T07:00:00Z', to: [ANNA], cc: [] },
      {
        kind: 'calendar-cancelled',
        task: 'ziekmelding',
        due: '2025-03-09',
        at: '2025-03-04T08:00:00Z',
        to: [ANNA],
        cc: [],
      },
      {
        kind: 'reminder',
        task: 'probleemanalyse',
        due: '2025-04-13',
        at: '2025-04-07T06:00:00Z',
        to: [ANNA, ARTS],
        cc: [],
      },
      {
        kind: 'calendar-cancelled',
        task: 'probleemanalyse',
        due: '2025-04-13',
        at: '2025-04-10T07:00:00Z',
        to: [ANNA, ARTS],
        cc: [],
      },
      { kind: 'reminder', task: 'plan-van-aanpak', due: '2025-04-24', at: '2025-04-15T06:00:00Z', to: [ANNA], cc: [] },
      {
        kind: 'calendar-cancelled',
        task: 'plan-van-aanpak',
        due: '2025-04-24',
        at: '2025-04-22T07:00:00Z',
        to: [ANNA],
        cc: [],
      },
      { kind: 'reminder', task: 'evaluatie', due: '2025-06-03', at: '2025-05-26T06:00:00Z', to: [ANNA], cc: [] },
      { kind: 'escalation', task: 'evaluatie', due: '2025-06-03', at: '2025-06-04T06:00:00Z', to: [ANNA], cc: [HR] },
      {
        kind: 'second-escalation',
        task: 'evaluatie',
        due: '2025-06-03',
        at: '2025-06-19T06:00:00Z',
        to: [ANNA],
        cc: [HR],
      },
    ];
    const sent = result.timeline.filter((e) => e.messageId);
    expect(sent.map((e) => ({ kind: e.kind, task: e.task, due: e.due, at: e.at }))).toEqual(
      expected.map(({ kind, task, due, at }) => ({ kind, task, due, at })),
    );
    const scheduled = sent.filter((e) => e.kind !== 'calendar-cancelled');
    for (const e of scheduled) expect(inAmsterdam(e.at).time).toBe('08:00');
    expect(scheduled.map((e) => inAmsterdam(e.at).date)).toEqual([
      '2025-03-03',
      '2025-04-07',
      '2025-04-15',
      '2025-05-26',
      '2025-06-04',
      '2025-06-19',
    ]);
    for (const e of sent.filter((e) => e.kind === 'calendar-cancelled')) expect(inAmsterdam(e.at).time).toBe('09:00');

    // What the SMTP server received: the same messages, with their recipients.
    expect(result.emails.map((m) => ({ at: m.at, to: m.to, cc: m.cc }))).toEqual(
      expected.map(({ at, to, cc }) => ({ at, to, cc })),
    );
    expect(result.emails.map((m) => m.messageId)).toEqual(sent.map((e) => e.messageId));
    expect(result.emails[0]!.subject).toContain('uiterlijk 09-03-2025');
    expect(result.emails[7]!.subject).toContain('TE LAAT');

    // Events at 09:00 Amsterdam on their day, in the scenario's dates; the second ziekmelding is refused.
    const events = result.timeline.filter((e) => e.kind === 'event');
    expect(events.map((e) => inAmsterdam(e.at))).toEqual(
      ['2025-03-04', '2025-04-10', '2025-04-22', '2025-05-12'].map((date) => ({ date, time: '09:00' })),
    );
    expect(events[1]!.actor).toBe(ARTS);
    expect(events[0]!.actor).toBe('simulation');
    expect(result.refused).toEqual([
      {
        on: '2025-03-05',
        at: '2025-03-05T08:00:00Z',
        type: 'task-completed',
        refused: expect.stringContaining('already recorded as done on 2025-03-04'),
      },
    ]);
    expect(result.timeline.find((e) => e.kind === 'overdue')).toMatchObject({
      task: 'evaluatie',
      at: '2025-06-04T06:00:00Z',
    });

    // The state at the end of 2025-07-31.
    const final = result.final;
    expect(final).toMatchObject({ asOf: '2025-07-31', status: 'open', waitingTimeEnds: '2027-02-28' });
    const status = Object.fromEntries(final.obligations.map((o) => [o.id, [o.due, o.status, o.doneOn]]));
    expect(status).toMatchObject({
      ziekmelding: ['2025-03-09', 'done', '2025-03-04'],
      probleemanalyse: ['2025-04-13', 'done', '2025-04-10'],
      'plan-van-aanpak': ['2025-04-24', 'done', '2025-04-22'],
      evaluatie: ['2025-06-03', 'overdue', undefined],
      'uwv-42-weken-melding': ['2025-12-22', 'open', undefined],
      'einde-wachttijd': ['2027-02-28', 'open', undefined],
    });
  });

  it('prints a timeline table for a scenario in the future read from standard input, refusals included', async () => {
    const scenario = JSON.parse(await readFile(EXAMPLE, 'utf8')) as { case: Record<string, unknown> };
    const input = {
      case: { ...scenario.case, caseId: 'toekomst-1', firstSickDay: '2031-01-06' },
      events: [
        { on: '2031-01-07', type: 'task-completed', task: 'ziekmelding', date: '2031-01-07' },
        // Full recovery: last sick day 02-02; the case stays open 28 days for a relapse, then closes.
        { on: '2031-02-03', type: 'recovered', date: '2031-02-03' },
        { on: '2031-03-10', type: 'relapsed', date: '2031-03-10' },
      ],
      until: '2031-06-30',
    };
    const { code, stdout, stderr } = await run([], JSON.stringify(input));
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    const row = (...cells: string[]) => lines.find((l) => cells.every((c) => l.includes(c)));

    expect(lines[0]).toBe('Simulation of case toekomst-1 (rule set wvp-2026)');
    expect(row('2031-01-06T07:00:00Z', 'opened')).toBeDefined();
    // Mon 2031-01-06 is the 5th working day before Sun 01-12; winter time, so 08:00 is 07:00Z.
    expect(row('2031-01-06T07:00:00Z', 'reminder', 'ziekmelding', '2031-01-12', ANNA)).toBeDefined();
    expect(row('2031-02-03T08:00:00Z', 'event', 'recovered')).toBeDefined();
    // Closes at 00:00 Amsterdam on 2031-03-03 (02-02 + 29 days): 23:00Z the day before.
    expect(row('2031-03-02T23:00:00Z', 'closed', 'hersteld')).toBeDefined();
    expect(row('2031-03-10T08:00:00Z', 'REFUSED', 'relapsed:', 'closed')).toBeDefined();
    // The probleemanalyse (due 02-16) no longer applies after the recovery: no reminder for it.
    expect(lines.filter((l) => / reminder | escalation /.test(l))).toHaveLength(1);
    // The ziekmelding's calendar entry is cancelled when it is recorded as done (09:00 on 01-07).
    expect(row('2031-01-07T08:00:00Z', 'calendar-cancelled', 'ziekmelding', '2031-01-12', ANNA)).toBeDefined();
    expect(stdout).toContain('E-mails: 2 sent by the case, 2 received by the SMTP server; 1 event(s) refused');
    expect(stdout).toContain('Final state on 2031-03-03: closed (hersteld: 28 dagen zonder terugval)');
    expect(row('probleemanalyse', 'bedrijfsarts', '2031-02-16', 'not-applicable (hersteld)')).toBeDefined();
    expect(stderr).toContain('the case closed');
  });

  it.each([
    [
      'an event before the first sick day',
      (s: Scenario) => s.events.splice(2, 0, { on: '2025-03-01', type: 'note', text: 'x' }),
      ['events[2].on: 2025-03-01 is before the case is opened (case.firstSickDay 2025-03-03)'],
    ],
    [
      'events not in date order',
      (s: Scenario) => (s.events[2]!.on = '2025-03-04'),
      ['events[2].on: 2025-03-04 is before events[1].on 2025-03-05'],
    ],
    [
      'an event after until and an unknown event type',
      (s: Scenario) => {
        s.events[4]!.on = '2025-08-01';
        s.events[1]!.type = 'task-done';
      },
      ['events[4].on: 2025-08-01 is after until 2025-07-31', 'events[1].type:'],
    ],
    [
      'a bad date, a bad e-mail address and an unknown field',
      (s: Scenario) => {
        s.events[0]!.on = '2025-02-30';
        (s.case.employer as Record<string, unknown>).escalationEmail = 'hr';
        (s.case as Record<string, unknown>).diagnosis = 'x';
      },
      ['events[0].on:', 'case.employer.escalationEmail: must be an e-mail address', 'case: Unrecognized key'],
    ],
    [
      'until on the first sick day',
      (s: Scenario) => (s.until = '2025-03-03'),
      ['until: 2025-03-03 must lie after case.firstSickDay 2025-03-03'],
    ],
    ['until too far ahead', (s: Scenario) => (s.until = '2031-03-04'), ['until: 2031-03-04 lies more than 6 years']],
    [
      'a missing case and until',
      (s: Scenario) => {
        delete (s as Partial<Scenario>).case;
        delete (s as Partial<Scenario>).until;
      },
      ['until: is required', 'case: is required'],
    ],
    [
      'a take-over whose history lies after the day it is opened',
      (s: Scenario) => {
        s.openOn = '2025-04-01';
        s.case.completed = { probleemanalyse: '2025-04-10' };
      },
      [
        'case.completed.probleemanalyse: 2025-04-10 is after the day the case is opened',
        'events[0].on: 2025-03-04 is before the case is opened (openOn 2025-04-01)',
      ],
    ],
  ])('refuses %s with exit 2, naming the field', async (_name, change, messages) => {
    const scenario = JSON.parse(await readFile(EXAMPLE, 'utf8')) as Scenario;
    change(scenario);
    const { code, stdout, stderr } = await run([], JSON.stringify(scenario));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('poortwachter simulate: invalid scenario');
    for (const message of messages) expect(stderr).toContain(message);
  });

  it("builds its activities from the worker's configuration: the supervisor in cc of the second escalation", async () => {
    const saved = process.env.POORTWACHTER_SUPERVISOR_EMAIL;
    process.env.POORTWACHTER_SUPERVISOR_EMAIL = 'leiding@arbo.example';
    try {
      const { code, stdout, stderr } = await run(['--file', EXAMPLE, '--json']);
      expect(code, stderr).toBe(0);
      const result = JSON.parse(stdout) as SimulationResult;
      const second = result.emails.filter((m) => m.messageId.includes('.second-escalation.'));
      expect(second.map((m) => [m.to, m.cc])).toEqual([[[ANNA], [HR, 'leiding@arbo.example']]]);
    } finally {
      if (saved === undefined) delete process.env.POORTWACHTER_SUPERVISOR_EMAIL;
      else process.env.POORTWACHTER_SUPERVISOR_EMAIL = saved;
    }
  });

  it('refuses input that is not a scenario, and bad arguments, with exit 2', async () => {
    expect((await run([], '[]')).stderr).toContain('(input):');
    expect((await run([], '')).code).toBe(2);
    expect((await run(['--file', '/nonexistent/scenario.json'])).stderr).toContain(
      'cannot read /nonexistent/scenario.json',
    );
    const bad = await run(['--what']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage: poortwachter simulate');
  });
});

interface Scenario {
  case: Record<string, unknown>;
  openOn?: string;
  events: Record<string, unknown>[];
  until: string;
}
