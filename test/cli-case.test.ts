// The case commands as a casemanager uses them, against the file's test server and a real worker.
import { beforeAll, describe, expect, it } from 'vitest';
import { openCase } from '../client/cases.js';
import { caseQuery } from '../workflows/case-api.js';
import { addDays } from '../workflows/calendar/index.js';
import { sampleCase, type CaseWorld } from './setup/case-world.js';
import { runCli, useCliWorld } from './setup/run-cli.js';

describe('poortwachter case', () => {
  const cli = useCliWorld();
  const { file } = cli;
  let world: CaseWorld;
  beforeAll(() => {
    world = cli.world();
  });

  it('opens a case from a file, records events with flags, and shows the case', async () => {
    const D = await world.today();
    world.track('case-cli-1');
    const opened = await runCli(['case', 'open', '--file', file('case.json', sampleCase('cli-1', D))]);
    expect(opened).toMatchObject({ code: 0, stdout: 'opened case cli-1 (workflow case-cli-1)\n' });

    const again = await runCli(['case', 'open'], JSON.stringify(sampleCase('cli-1', D)));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('case cli-1 already exists');

    await world.travelTo(addDays(D, 2));
    const recorded = await runCli([
      'case',
      'record',
      'cli-1',
      'task-completed',
      '--task',
      'ziekmelding',
      '--date',
      addDays(D, 1),
    ]);
    expect(recorded.code).toBe(0);
    expect(recorded.stdout).toContain('recorded task-completed on case cli-1');
    expect(recorded.stdout).toContain('(by cli:anna@arbo.example)');

    const postponed = await runCli([
      'case',
      'record',
      'cli-1',
      'task-postponed',
      '--task',
      'probleemanalyse',
      '--new-date',
      addDays(D, 50),
      '--reason',
      'werknemer op vakantie, afgesproken',
    ]);
    expect(postponed.code).toBe(0);

    const shown = await runCli(['case', 'show', 'cli-1', '--json']);
    expect(shown.code).toBe(0);
    const view = JSON.parse(shown.stdout);
    const milestone = (id: string) => view.calendar.milestones.find((m: { id: string }) => m.id === id);
    expect(milestone('ziekmelding')).toMatchObject({ status: 'done', doneOn: addDays(D, 1) });
    expect(milestone('probleemanalyse')).toMatchObject({ due: addDays(D, 50), status: 'postponed' });
    expect(
      view.timeline.filter((t: { kind: string }) => t.kind === 'event').map((t: { actor: string }) => t.actor),
    ).toEqual(['cli:anna@arbo.example', 'cli:anna@arbo.example']);
    expect(view.timeline[0]).toMatchObject({ kind: 'opened', actor: 'cli:anna@arbo.example' });

    const human = await runCli(['case', 'show', 'cli-1']);
    expect(human.stdout).toContain('Case cli-1: open');
    expect(human.stdout).toContain('Probleemanalyse');
    expect(human.stdout).toContain('task-postponed');
  });

  it('records an event from --file and with --actor, and refuses a file that holds another event', async () => {
    const D = await world.today();
    world.track('case-cli-3');
    expect((await runCli(['case', 'open'], JSON.stringify(sampleCase('cli-3', D)))).code).toBe(0);
    const note = file('note.json', { text: 'uit een bestand' });
    const recorded = await runCli(['case', 'record', 'cli-3', 'note', '--file', note, '--actor', 'bram@arbo.example']);
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.stdout).toContain('recorded note on case cli-3');
    expect(recorded.stdout).toContain('(by cli:bram@arbo.example)');

    const other = await runCli([
      'case',
      'record',
      'cli-3',
      'note',
      '--file',
      file('closed.json', { type: 'case-closed' }),
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('holds a case-closed event, not the note named here');

    const view = JSON.parse((await runCli(['case', 'show', 'cli-3', '--json'])).stdout);
    expect(
      view.timeline
        .filter((t: { kind: string }) => t.kind === 'event')
        .map((t: { actor: string; event: { text?: string } }) => [t.event.text, t.actor]),
    ).toEqual([['uit een bestand', 'cli:bram@arbo.example']]);
  });

  it("screens free text with the arbodienst's own list: a word it lifts is taken by the case too", async () => {
    const D = await world.today();
    world.track('case-cli-6');
    expect((await runCli(['case', 'open'], JSON.stringify(sampleCase('cli-6', D)))).code).toBe(0);
    const note = ['case', 'record', 'cli-6', 'note', '--text', 'afspraak gepland na de fysiotherapeut'];
    const refused = await runCli(note);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('"fysiotherapeut" is a treatment or care provider');
    const saved = process.env.POORTWACHTER_MEDICAL_TERMS_FILE;
    process.env.POORTWACHTER_MEDICAL_TERMS_FILE = file(
      'terms.txt',
      '# wij noemen de fysiotherapeut wel\n!fysiotherapeut\n',
    );
    try {
      const taken = await runCli(note);
      expect(taken.code, taken.stderr).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.POORTWACHTER_MEDICAL_TERMS_FILE;
      else process.env.POORTWACHTER_MEDICAL_TERMS_FILE = saved;
    }
  });

  it("takes every address SMTP takes: p&o@ and o'brien@", async () => {
    const D = await world.today();
    world.track('case-cli-5');
    const doc = sampleCase('cli-5', D, {
      employer: { id: 'wg-005', name: 'Van Dijk', escalationEmail: 'p&o@vandijk.example' },
      casemanager: { name: "Fiona O'Brien", email: "o'brien@arbo.example" },
    });
    const opened = await runCli(['case', 'open'], JSON.stringify(doc));
    expect(opened.code, opened.stderr).toBe(0);
  });

  it('hands a case to another casemanager, changes a contact and records a stand-in, with flags', async () => {
    const D = await world.today();
    world.track('case-cli-4');
    expect((await runCli(['case', 'open'], JSON.stringify(sampleCase('cli-4', D)))).code).toBe(0);
    const record = (event: string, ...flags: string[]) => runCli(['case', 'record', 'cli-4', event, ...flags]);
    const handed = await record(
      'casemanager-changed',
      '--name',
      'Bram de Boer',
      '--email',
      'bram@arbo.example',
      '--from',
      D,
    );
    expect(handed.code, handed.stderr).toBe(0);
    const contact = await record('contact-changed', '--contact', 'werkgever', '--email', 'p.o@korenschoof.example');
    expect(contact.code, contact.stderr).toBe(0);
    const until = addDays(D, 14);
    const standIn = await record(
      'stand-in',
      '--name',
      'Carla',
      '--email',
      'carla@arbo.example',
      '--from',
      D,
      '--until',
      until,
    );
    expect(standIn.code, standIn.stderr).toBe(0);
    const bad = await record('stand-in', '--name', 'Carla', '--email', 'carla', '--from', D, '--until', until);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/email/);

    const view = JSON.parse((await runCli(['case', 'show', 'cli-4', '--json'])).stdout);
    expect(view.casemanager).toEqual({ name: 'Bram de Boer', email: 'bram@arbo.example' });
    expect(
      view.timeline
        .filter((t: { kind: string }) => t.kind === 'event')
        .map((t: { event: { type: string } }) => t.event.type),
    ).toEqual(['casemanager-changed', 'contact-changed', 'stand-in']);
  });

  it('refuses bad input with the field named and exit code 2, and state conflicts with exit code 1', async () => {
    const D = await world.today();
    const bad = await runCli(['case', 'open'], JSON.stringify({ ...sampleCase('cli-2', D), diagnosis: 'x' }));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/diagnosis/);

    const impossible = await runCli(['case', 'open'], JSON.stringify(sampleCase('cli-2', '2026-02-30')));
    expect(impossible.code).toBe(2);
    expect(impossible.stderr).toContain('firstSickDay: 2026-02-30 does not exist');

    const notJson = await runCli(['case', 'open'], '{ "caseId": ');
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('not valid JSON');

    const unknownCase = await runCli(['case', 'record', 'nope-404', 'note', '--text', 'hallo']);
    expect(unknownCase.code).toBe(1);
    expect(unknownCase.stderr).toContain('there is no case nope-404');

    const unknownType = await runCli(['case', 'record', 'cli-1', 'diagnosed', '--text', 'x']);
    expect(unknownType.code).toBe(2);
    expect(unknownType.stderr).toContain('type must be one of the known event types');

    const badWeeks = await runCli(['case', 'record', 'cli-1', 'loonsanctie', '--weeks', '53', '--decision-date', D]);
    expect(badWeeks.code).toBe(2);
    expect(badWeeks.stderr).toContain('weeks');

    const relapse = await runCli(['case', 'record', 'cli-1', 'relapsed', '--date', D]);
    expect(relapse.code).toBe(1);
    expect(relapse.stderr).toContain('a relapse needs a recorded recovery first');
  });

  it('computes statuses for the date the caller asks, never earlier than the case itself', async () => {
    const D = await world.today();
    const { workflowId } = await openCase(world.cases, sampleCase('asof-1', D));
    await world.travelTo(addDays(D, 10));
    const handle = world.cases.client.workflow.getHandle(workflowId);
    const plain = await handle.query(caseQuery);
    const current = await handle.query(caseQuery, { asOf: addDays(D, 10) });
    expect(current.asOf).toBe(addDays(D, 10));
    // ziekmelding was due on D + 6 and is not recorded
    expect(current.calendar.milestones.find((m) => m.id === 'ziekmelding')?.status).toBe('overdue');
    // an earlier date than the workflow's own never turns the clock back
    expect((await handle.query(caseQuery, { asOf: addDays(D, -5) })).asOf).toBe(plain.asOf);
    expect(
      (await handle.query(caseQuery, { asOf: addDays(D, 400) })).calendar.milestones.find(
        (m) => m.id === 'probleemanalyse',
      )?.status,
    ).toBe('overdue');
  });

  it('imports many cases, reporting each refused record without stopping', async () => {
    const D = await world.today();
    const records = [
      sampleCase('imp-1', D),
      { ...sampleCase('imp-2', D), employee: { id: 'x' } },
      sampleCase('imp-3', D),
      sampleCase('imp-1', D),
    ];
    for (const id of ['imp-1', 'imp-3']) world.track(`case-${id}`);
    const path = file('import.json', records);
    const result = await runCli(['case', 'import', '--file', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('opened 2 of 4 cases; refused 2');
    expect(result.stdout).toMatch(/record 2 \(imp-2\): employee\.displayName: /);
    expect(result.stdout).toMatch(/record 4 \(imp-1\): case imp-1 already exists/);
    expect(result.stderr).toContain('4/4');
    expect(result.stderr).toMatch(/import [0-9a-f-]{36}: 4 records/);

    // The same file as another import: every case exists now. Its id again attaches to it, with the
    // same answer; other records under that id are refused.
    const importId = `again-${D}`;
    const second = await runCli(['case', 'import', '--file', path, '--id', importId, '--json']);
    expect(second.code).toBe(1);
    const exists = (id: string) => expect.stringContaining(`case ${id} already exists`);
    expect(JSON.parse(second.stdout)).toEqual({
      opened: [],
      refused: [
        { index: 0, caseId: 'imp-1', reason: exists('imp-1') },
        { index: 1, caseId: 'imp-2', reason: expect.stringMatching(/^employee\.displayName: /) },
        { index: 2, caseId: 'imp-3', reason: exists('imp-3') },
        { index: 3, caseId: 'imp-1', reason: exists('imp-1') },
      ],
    });
    const attached = await runCli(['case', 'import', '--file', path, '--id', importId, '--json']);
    expect(attached).toMatchObject({ code: 1, stdout: second.stdout });
    const other = await runCli(['case', 'import', '--id', importId], JSON.stringify(records.slice(1)));
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`import ${importId} was started with other records`);
    const badId = await runCli(['case', 'import', '--id', 'no spaces'], JSON.stringify(records));
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('importId: must be 1 to 64 letters');
  });
});
