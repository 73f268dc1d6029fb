// A corpus of bad input through every entry point: CLI flags, JSON files and standard input, workflow
// updates sent past the client library, and configuration. Each must be refused with a message that
// names the field and a non-zero exit code; afterwards the case's history holds no failed workflow
// task and the case is exactly as before.
import { join } from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { getCase } from '../client/cases.js';
import { recordEventUpdate } from '../workflows/case-api.js';
import { addDays } from '../workflows/calendar/index.js';
import { caseWorkflowId } from '../workflows/case-model.js';
import { sampleCase, type CaseWorld } from './setup/case-world.js';
import { runCli, useCliWorld } from './setup/run-cli.js';

const EventType = temporal.api.enums.v1.EventType;

// The CLI opens its cases without a clock offset, so these cases live in the test server's dates,
// relative to its today (`world.today()`), not on a pinned date. Nothing here depends on the day: the
// refusals name fixed dates (2026-02-30, 2999-01-01, 1989-06-01) or dates relative to the case, and
// the cases taken over weeks in send their take-over summary at once, whatever the weekday.
describe('bad input, everywhere', () => {
  const cli = useCliWorld();
  const { file, dir } = cli;
  let world: CaseWorld;
  beforeAll(() => {
    world = cli.world();
  });

  /** Runs the CLI and expects a refusal: this exit code, and every fragment in standard error. */
  async function refused(args: string[], code: 1 | 2, fragments: (string | RegExp)[], stdin = '') {
    const result = await runCli(args, stdin);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(code);
    for (const f of fragments) expect(result.stderr, args.join(' ')).toMatch(f);
    expect(result.stderr, 'a refusal is a message, not a crash').not.toMatch(/\n\s+at /);
  }

  it('refuses every bad CLI input and workflow update, and leaves the case and its history untouched', async () => {
    const D = await world.today();
    const caseId = `bad-${Date.now().toString(36)}`;
    world.track(caseWorkflowId(caseId));
    const open = (extra: Record<string, unknown> = {}) => sampleCase(caseId, addDays(D, -30), extra);
    expect((await runCli(['case', 'open', '--file', file('good.json', open())])).code).toBe(0);
    expect(
      (await runCli(['case', 'record', caseId, 'task-completed', '--task', 'ziekmelding', '--date', addDays(D, -29)]))
        .code,
    ).toBe(0);
    await world.travelTo(addDays(D, 1), 10);
    const before = await getCase(world.cases, caseId, { asOf: addDays(D, 1) });

    // --- opening: JSON files and standard input ---
    const other = (extra: Record<string, unknown>) => JSON.stringify(sampleCase(`${caseId}-x`, D, extra));
    await refused(['case', 'open'], 2, ['not valid JSON'], '{ "caseId": "x", ');
    await refused(['case', 'open'], 2, ['standard input is empty'], '   ');
    await refused(['case', 'open', '--file', join(dir, 'missing.json')], 2, ['cannot read', 'ENOENT']);
    await refused(['case', 'open'], 2, [/\(input\): /], '[1, 2, 3]');
    await refused(['case', 'open'], 2, [/firstSickDay: must be a date string/], other({ firstSickDay: 20260105 }));
    await refused(
      ['case', 'open'],
      2,
      ['firstSickDay: 2026-02-30 does not exist'],
      other({ firstSickDay: '2026-02-30' }),
    );
    await refused(
      ['case', 'open'],
      2,
      ['firstSickDay: 1989-12-31 is before 1990-01-01'],
      other({ firstSickDay: '1989-12-31' }),
    );
    await refused(
      ['case', 'open'],
      2,
      ['firstSickDay: 2999-01-01 is after 2099-12-31'],
      other({ firstSickDay: '2999-01-01' }),
    );
    // A case id whose e-mails would share Message-IDs with another case's (SEC-4's delivery-failure report).
    await refused(
      ['case', 'open'],
      2,
      ['caseId: must not contain a dot followed by a message word'],
      JSON.stringify(sampleCase('SEC-4.delivery-failed', D)),
    );
    // Names are one line of ordinary characters: a line break put a fake Bcc: line into a plain-text mail.
    const sample = JSON.parse(other({})) as Record<string, Record<string, unknown>>;
    const named = (part: string, field: string, value: string) =>
      JSON.stringify({ ...sample, [part]: { ...sample[part], [field]: value } });
    await refused(
      ['case', 'open'],
      2,
      ['employee.displayName: must be one line'],
      named('employee', 'displayName', 'J. de Vries\r\nBcc: x@evil.example'),
    );
    await refused(
      ['case', 'open'],
      2,
      ['casemanager.name: must not contain control characters'],
      named('casemanager', 'name', 'Anna\u0085'),
    );
    await refused(
      ['case', 'open'],
      2,
      ['employer.name: must not contain characters that change the direction'],
      named('employer', 'name', 'Bak\u202ekerij'),
    );
    await refused(
      ['case', 'open'],
      2,
      ['periods.1.from: overlaps periods[0]'],
      other({
        firstSickDay: '2026-01-05',
        periods: [
          { from: '2026-01-05', to: '2026-02-01' },
          { from: '2026-01-20', to: '2026-03-01' },
        ],
      }),
    );
    await refused(['case', 'open'], 2, ['diagnosis'], other({ diagnosis: 'burn-out' }));
    await refused(
      ['case', 'open'],
      2,
      [/employee: .*medicalHistory/],
      other({ employee: { id: 'wn-1', displayName: 'J.', medicalHistory: 'x' } }),
    );
    await refused(
      ['case', 'open'],
      2,
      ['employee.displayName: must not contain control characters'],
      other({ employee: { id: 'wn-1', displayName: 'J. de Vries\u0007\u001b[31m' } }),
    );
    await refused(
      ['case', 'open'],
      2,
      ['employee.displayName: must be at most 200 characters'],
      other({ employee: { id: 'wn-1', displayName: 'x'.repeat(201) } }),
    );
    await refused(
      ['case', 'open'],
      2,
      ['casemanager.email: must be an e-mail address'],
      other({ casemanager: { name: 'A', email: 'anna' } }),
    );
    await refused(['case', 'open'], 2, [/caseId: must be 1 to 64/], JSON.stringify(sampleCase('../../etc/passwd', D)));
    await refused(['case', 'open'], 2, ['periods: '], other({ periods: Array(101).fill({ from: D, to: D }) }));
    await refused(['case', 'open'], 1, [`case ${caseId} already exists`], JSON.stringify(open()));

    // --- events: CLI flags and files ---
    await refused(['case', 'record', 'nope-404', 'note', '--text', 'hallo'], 1, ['there is no case nope-404']);
    await refused(['case', 'record', 'a b/c', 'note', '--text', 'x'], 2, ['caseId: must be 1 to 64']);
    await refused(['case', 'record', caseId, 'diagnosed', '--text', 'x'], 2, [
      'type must be one of the known event types',
    ]);
    await refused(['case', 'record', caseId, 'note', '--text', 'x', '--diagnosis', 'griep'], 2, ['diagnosis']);
    await refused(['case', 'record', caseId, 'loonsanctie', '--weeks', 'twaalf', '--decision-date', D], 2, [
      '--weeks must be a number',
    ]);
    await refused(['case', 'record', caseId, 'loonsanctie', '--weeks', '53', '--decision-date', D], 2, ['weeks']);
    await refused(['case', 'record', caseId, 'loonsanctie', '--weeks', '0x10', '--decision-date', D], 2, [
      '--weeks must be a number, not "0x10"',
    ]);
    await refused(['case', 'record', caseId, 'note', '--text', 'een', '--text', 'twee'], 2, [
      '--text is given twice ("een", "twee")',
    ]);
    await refused(['case', 'record', caseId, 'employment-ended', '--date', D, '--eigenrisicodrager', 'misschien'], 2, [
      '--eigenrisicodrager must be yes or no',
    ]);
    await refused(
      ['case', 'record', caseId, 'task-completed', '--task', 'probleemanalyse', '--date', '2026-02-30'],
      2,
      ['date: 2026-02-30 does not exist'],
    );
    await refused(
      ['case', 'record', caseId, 'task-completed', '--task', 'probleemanalyse', '--date', '2999-01-01'],
      2,
      ['date: 2999-01-01 is after 2099-12-31: not a plausible date'],
    );
    await refused(
      ['case', 'record', caseId, 'task-completed', '--task', 'probleemanalyse', '--date', '1989-06-01'],
      2,
      ['date: 1989-06-01 is before 1990-01-01: not a plausible date'],
    );
    await refused(
      ['case', 'record', caseId, 'task-completed', '--task', 'probleemanalyse', '--date', '2001-06-01'],
      2,
      [/date: 2001-06-01 is before the first sick day/],
    );
    // One bound for every date of every event, the field named (these crashed or were taken before).
    await refused(
      [
        'case',
        'record',
        caseId,
        'task-postponed',
        '--task',
        'probleemanalyse',
        '--new-date',
        '2998-06-01',
        '--reason',
        'x',
      ],
      2,
      ['newDate: 2998-06-01 is after 2099-12-31'],
    );
    await refused(
      [
        'case',
        'record',
        caseId,
        'task-postponed',
        '--task',
        'probleemanalyse',
        '--new-date',
        '2999-12-31',
        '--reason',
        'x',
      ],
      2,
      ['newDate: 2999-12-31 is after 2099-12-31'],
    );
    await refused(
      ['case', 'record', caseId, 'spoor2-exception', '--reason', 'onvoldoende-belastbaar', '--until', '2999-12-31'],
      2,
      ['until: 2999-12-31 is after 2099-12-31'],
    );
    await refused(['case', 'record', caseId, 'task-completed', '--task', 'diagnose', '--date', D], 2, [
      'task: must be one of',
    ]);
    await refused(
      [
        'case',
        'record',
        caseId,
        'task-completed',
        '--task',
        'probleemanalyse',
        '--date',
        D,
        '--document-uri',
        'https://dms.example/pa.pdf',
        '--document-sha256',
        'abc',
      ],
      2,
      ['document.sha256: must be 64 lower-case hexadecimal characters'],
    );
    await refused(['case', 'record', caseId, 'note', '--text', 'x'.repeat(2001)], 2, [
      'text: must be at most 2000 characters',
    ]);
    // Medical data has no place, also not in free text (the refusal names the word and why).
    await refused(['case', 'record', caseId, 'note', '--text', 'Diagnose: burn-out, medicatie sertraline'], 2, [
      'text: "diagnose" is a diagnosis or illness: medical data may not be recorded',
    ]);
    await refused(['case', 'record', caseId, 'note', '--text', 'regel\u0000twee'], 2, [
      'text: must not contain control characters',
    ]);
    await refused(['case', 'record', caseId, 'relapsed', '--date', D], 1, [
      'a relapse needs a recorded recovery first',
    ]);
    await refused(['case', 'record', caseId, 'note', '--file', file('event.json', '{"text": ')], 2, ['not valid JSON']);
    await refused(['case', 'record', caseId, 'note', '--file', file('event2.json', { text: 42 })], 2, [
      'text: must be text',
    ]);

    // --- the same case refused past the client library: updates straight to the workflow ---
    const handle = world.cases.client.workflow.getHandle(caseWorkflowId(caseId));
    for (const [raw, message] of [
      [{ type: 'note', actor: 'x', text: 'y'.repeat(100_000) }, 'text: must be at most 2000 characters'],
      [{ type: 'note', actor: 'x', text: 'ok', extra: { nested: true } }, 'extra'],
      [{ type: 'task-completed', actor: 'x', task: 'probleemanalyse', date: '2026-13-01' }, 'date: '],
      [{ type: 'bogus', actor: 'x' }, 'type must be one of the known event types'],
      // The case screens free text itself too (the built-in list).
      [{ type: 'note', actor: 'x', text: 'gebruikt sertraline' }, 'text: "sertraline" is a medicine'],
      ['a string, not an event', 'type must be one of the known event types'],
      [null, 'event: '],
      [[1, 2], 'event: '],
    ] as const) {
      // In the envelope the client library sends (the case's id, an id of its own), the event as it is.
      const envelope = { caseId, eventId: `test-${Math.random().toString(36).slice(2)}`, event: raw };
      const err = await handle.executeUpdate(recordEventUpdate, { args: [envelope as never] }).catch((e: unknown) => e);
      expect(err, JSON.stringify(raw)?.slice(0, 80)).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause.type).toBe('InvalidEvent');
      expect(cause.message).toContain(message);
    }

    // Nothing changed, nothing failed.
    const after = await getCase(world.cases, caseId, { asOf: addDays(D, 1) });
    expect(after).toEqual(before);
    const history = await handle.fetchHistory();
    const types = (history.events ?? []).map((e) => e.eventType);
    expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect(types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)).toHaveLength(1);
  });

  it('refuses events that do not fit the case state: a task completed twice, anything on a closed case', async () => {
    const D = await world.today();
    const caseId = `bad-state-${Date.now().toString(36)}`;
    world.track(caseWorkflowId(caseId));
    expect((await runCli(['case', 'open'], JSON.stringify(sampleCase(caseId, addDays(D, -50))))).code).toBe(0);
    const done = ['case', 'record', caseId, 'task-completed', '--task', 'probleemanalyse', '--date'];
    expect((await runCli([...done, addDays(D, -10)])).code).toBe(0);
    await refused([...done, addDays(D, -5)], 1, [/probleemanalyse .*already/]);
    await refused([...done, addDays(D, -10)], 1, [/probleemanalyse .*already/]);

    expect((await runCli(['case', 'record', caseId, 'case-closed', '--reason', 'dubbel'])).code).toBe(0);
    await world.travelTo(addDays(D, 400), 10); // long ago
    await refused(['case', 'record', caseId, 'relapsed', '--date', addDays(D, 399)], 1, [/closed/]);
    await refused(['case', 'record', caseId, 'note', '--text', 'nog iets'], 1, [/closed/]);
    const history = await world.cases.client.workflow.getHandle(caseWorkflowId(caseId)).fetchHistory();
    expect((history.events ?? []).map((e) => e.eventType)).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
  });

  it('refuses bad input to import, calendar, simulate and the configuration, naming what is wrong', async () => {
    const D = await world.today();
    const run = Date.now().toString(36);
    const imported = await runCli([
      'case',
      'import',
      '--file',
      file('cases.json', [
        sampleCase(`imp-ok-${run}`, D),
        sampleCase(`imp-bad-${run}`, '2026-02-30'),
        { ...sampleCase(`imp-med-${run}`, D), diagnosis: 'x' },
        'not a case',
      ]),
    ]);
    world.track(caseWorkflowId(`imp-ok-${run}`));
    expect(imported.code).toBe(1);
    expect(imported.stdout).toContain('opened 1 of 4 cases; refused 3');
    expect(imported.stdout).toContain('firstSickDay: 2026-02-30 does not exist');
    // Named once, though both the field and the case facts made from it are checked.
    expect(imported.stdout.split('firstSickDay: 2026-02-30').length - 1).toBe(1);
    expect(imported.stdout).toContain('diagnosis');
    await refused(['case', 'import'], 2, [/list|array/], '{"caseId": "x"}');

    await refused(['calendar'], 2, ['not valid JSON'], '{');
    await refused(['calendar'], 2, ['firstSickDay'], JSON.stringify({ firstSickDay: '2026-02-30' }));
    await refused(
      ['calendar', '--as-of', '2026-13-45'],
      2,
      ['2026-13-45'],
      JSON.stringify({ firstSickDay: '2026-01-05' }),
    );
    // A first sick day in 2998 crashed with a RangeError; now refused with the field named.
    await refused(
      ['calendar'],
      2,
      ['firstSickDay: 2998-01-05 is after 2099-12-31'],
      JSON.stringify({ firstSickDay: '2998-01-05' }),
    );
    await refused(
      ['calendar', '--as-of', '2998-01-01'],
      2,
      ['2998-01-01 is after 2099-12-31'],
      JSON.stringify({ firstSickDay: '2026-01-05' }),
    );
    await refused(['simulate'], 2, ['case'], JSON.stringify({ events: [], until: '2026-06-01' }));
    await refused(['case', 'list', '--casemanager'], 2, ['--casemanager']);
    // A name instead of an address would silently find nothing.
    await refused(['case', 'list', '--casemanager', 'anna'], 2, [
      `--casemanager must be the casemanager's e-mail address, not "anna"`,
    ]);
    await refused(['case', 'show'], 2, ['expected 1 argument']);

    // Configuration: each bad variable is named, exit code 2, before anything connects.
    for (const [env, message] of [
      [{ TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS must be host:port'],
      [{ TEMPORAL_PORT: 'seven' }, 'TEMPORAL_PORT must be a port number'],
      [{ POORTWACHTER_KEYS: 'k1:c2hvcnQ=' }, 'POORTWACHTER_KEYS: key "k1" is 5 bytes'],
      [{ POORTWACHTER_KEYS: '{"current":' }, 'POORTWACHTER_KEYS: is not valid JSON'],
      [{ POORTWACHTER_KEYS_FILE: join(dir, 'nope.keys') }, 'POORTWACHTER_KEYS_FILE file does not exist'],
    ] as const) {
      const keep = { ...process.env };
      Object.assign(process.env, env);
      if ('POORTWACHTER_KEYS_FILE' in env) delete process.env.POORTWACHTER_KEYS;
      try {
        await refused(['case', 'list'], 2, [message]);
      } finally {
        process.env = keep;
      }
    }
    const cert = file('client.pem', 'x');
    const keep = { ...process.env };
    Object.assign(process.env, { TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_TLS_CERT: cert });
    try {
      await refused(['case', 'list'], 2, ['TEMPORAL_TLS_KEY is required when TEMPORAL_TLS_CERT is set']);
    } finally {
      process.env = keep;
    }
  });

  it('carries hostile names into e-mails escaped, never as markup', async () => {
    const D = await world.today();
    const caseId = `hostile-${Date.now().toString(36)}`;
    world.track(caseWorkflowId(caseId));
    const name = '<script>alert("x")</script> & <b>Jansen</b>';
    const opened = await runCli(
      ['case', 'open'],
      JSON.stringify(
        sampleCase(caseId, addDays(D, -70), {
          employee: { id: 'wn-h', displayName: name },
          employer: { id: 'wg-h', name: '<img src=x onerror=alert(1)>', escalationEmail: 'hr@h.example' },
        }),
      ),
    );
    expect(opened.code).toBe(0);
    await world.travelTo(addDays(D, 1), 10);
    const mails = world.sink.messages.filter((m) => `${m.subject} ${m.text}`.includes(caseId));
    expect(mails.length).toBeGreaterThan(0);
    for (const mail of mails) {
      expect(mail.subject ?? '').not.toMatch(/[\u0000-\u001f]/);
      if (mail.html) {
        expect(mail.html).not.toContain('<script>');
        expect(mail.html).not.toContain('<img src=x');
        expect(mail.html).not.toContain('<b>Jansen');
      }
    }
    // The names are there, escaped: the HTML part shows them as text; the plain-text part as typed.
    const html = mails.map((m) => (typeof m.html === 'string' ? m.html : '')).join('\n');
    expect(html).toContain('&lt;script&gt;alert(');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(mails.some((m) => (m.text ?? '').includes(name))).toBe(true);
    const shown = await runCli(['case', 'show', caseId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toMatch(/\u001b/);
  });
});
