// Events from the outside world: every event type refuses bad input with a message that says what
// is wrong (InvalidEventError for malformed input, EventNotAllowedError for what the case's state
// does not allow), refusals leave no trace in the workflow history, and accepted events are recorded
// with who recorded them. Plus the client's typed errors for duplicate and unknown cases.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DuplicateCaseError,
  EventNotAllowedError,
  getCase,
  InvalidEventError,
  openCase,
  recordEvent,
  UnknownCaseError,
} from '../../client/cases.js';
import { addDays, type IsoDate } from '../../workflows/calendar/index.js';
import { recordEventUpdate } from '../../workflows/case-api.js';
import { caseWorkflowId } from '../../workflows/case-model.js';
import { sampleCase, startCaseWorld, type CaseWorld } from '../setup/case-world.js';
import { entries } from '../setup/case-story.js';

const EventType = temporal.api.enums.v1.EventType;
const ACTOR = 'anna@arbo.example';
/**
 * Every case here starts on Monday 2025-09-01, a date in the past of any machine that runs this: an
 * event "in the future" is refused by the case's own clock, not the machine's (its "tomorrow" is long
 * past on the wall clock). Nothing here depends on a holiday or a change of summer time.
 */
const D: IsoDate = '2025-09-01';

type Refusal = [
  what: string,
  event: Record<string, unknown>,
  error: typeof InvalidEventError,
  message: string | RegExp,
];

describe('events', () => {
  let world: CaseWorld;
  const run = Date.now();
  beforeAll(async () => {
    world = await startCaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  async function expectRefusals(caseId: string, refusals: Refusal[]) {
    for (const [what, event, error, message] of refusals) {
      const refused = await recordEvent(world.cases, caseId, { actor: ACTOR, ...event }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused, what).toBeInstanceOf(error);
      if (typeof message === 'string') expect((refused as Error).message, what).toContain(message);
      else expect((refused as Error).message, what).toMatch(message);
    }
  }

  async function accept(caseId: string, event: Record<string, unknown>) {
    const { accepted, entry } = await recordEvent(world.cases, caseId, { actor: ACTOR, ...event });
    expect(accepted).toBe(true);
    return entry;
  }

  it('every event type refuses bad input with a specific message, and no refusal reaches the history', async () => {
    const caseId = `events-${run}`;
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    // Day 11 of the sickness.
    const T = addDays(D, 10);
    await world.travelTo(T, 10);
    const tomorrow = addDays(T, 1);
    const day = (n: number): IsoDate => addDays(D, n);

    // What the case accepts along the way, to refuse what may happen only once.
    await accept(caseId, { type: 'task-completed', task: 'ziekmelding', date: day(3) });
    await accept(caseId, { type: 'task-completed', task: 'evaluatie', date: day(9) });
    await accept(caseId, { type: 'spoor1-uitzichtloos', date: day(9) });
    await accept(caseId, { type: 'loonsanctie', weeks: 52, decisionDate: T });
    await accept(caseId, { type: 'vrijwillige-verlenging', weeks: 30 });
    await accept(caseId, { type: 'employment-ended', date: T, eigenrisicodrager: true });
    const accepted = 6;

    await expectRefusals(caseId, [
      // task-completed
      [
        'completed tomorrow',
        { type: 'task-completed', task: 'probleemanalyse', date: tomorrow },
        InvalidEventError,
        `date: ${tomorrow} is in the future (today is ${T})`,
      ],
      [
        'completed before the case',
        { type: 'task-completed', task: 'probleemanalyse', date: day(-1) },
        InvalidEventError,
        `date: ${day(-1)} is before the first sick day ${D}`,
      ],
      [
        'unknown task',
        { type: 'task-completed', task: 'koffie', date: T },
        InvalidEventError,
        /^task: must be one of: ziekmelding, probleemanalyse/,
      ],
      ['no date', { type: 'task-completed', task: 'probleemanalyse' }, InvalidEventError, 'date: is required'],
      [
        'impossible date',
        { type: 'task-completed', task: 'probleemanalyse', date: '2026-02-30' },
        InvalidEventError,
        'date: 2026-02-30 does not exist: month 02 of 2026 has 28 days',
      ],
      [
        'outcome on another task',
        { type: 'task-completed', task: 'probleemanalyse', date: T, outcome: 'onduidelijk' },
        InvalidEventError,
        'outcome: only the eerstejaarsevaluatie has an outcome',
      ],
      [
        'eerstejaarsevaluatie without outcome',
        { type: 'task-completed', task: 'eerstejaarsevaluatie', date: T },
        InvalidEventError,
        'outcome: is required for the eerstejaarsevaluatie',
      ],
      [
        'eerstejaarsevaluatie before week 46',
        { type: 'task-completed', task: 'eerstejaarsevaluatie', date: T, outcome: 'onduidelijk' },
        InvalidEventError,
        `may be held from week 46 (${day(315)}), not on ${T}`,
      ],
      [
        'ziekmelding again',
        { type: 'task-completed', task: 'ziekmelding', date: day(4) },
        EventNotAllowedError,
        `ziekmelding is already recorded as done on ${day(3)}`,
      ],
      [
        'the same evaluatie again',
        { type: 'task-completed', task: 'evaluatie', date: day(9) },
        EventNotAllowedError,
        `an evaluatie on ${day(9)} is already recorded`,
      ],
      // task-postponed
      [
        'postponing an evaluatie',
        { type: 'task-postponed', task: 'evaluatie', newDate: day(60), reason: 'vakantie' },
        InvalidEventError,
        'task: only probleemanalyse and plan-van-aanpak may be postponed (art. 5)',
      ],
      [
        'postponing to an earlier date',
        { type: 'task-postponed', task: 'probleemanalyse', newDate: day(40), reason: 'vakantie' },
        InvalidEventError,
        `newDate: ${day(40)} is not later than the current due date ${day(41)}`,
      ],
      [
        'postponing without a reason',
        { type: 'task-postponed', task: 'probleemanalyse', newDate: day(50), reason: '  ' },
        InvalidEventError,
        'reason: must not be empty',
      ],
      // recovered
      [
        'recovered tomorrow',
        { type: 'recovered', date: tomorrow },
        InvalidEventError,
        `date: ${tomorrow} is in the future`,
      ],
      [
        'recovered on the first sick day',
        { type: 'recovered', date: D },
        InvalidEventError,
        `recovery on ${D} must come after the start of the sickness on ${D}`,
      ],
      ['working 0 percent', { type: 'recovered', date: T, workPercentage: 0 }, InvalidEventError, /^workPercentage: /],
      // relapsed
      [
        'relapse without recovery',
        { type: 'relapsed', date: T },
        EventNotAllowedError,
        'a relapse needs a recorded recovery first',
      ],
      // spoor1-uitzichtloos
      [
        'no prospect again',
        { type: 'spoor1-uitzichtloos', date: T },
        EventNotAllowedError,
        `spoor 1 was already found without prospect on ${day(9)}`,
      ],
      // spoor2-exception
      [
        'exception until today',
        { type: 'spoor2-exception', reason: 'onvoldoende-belastbaar', until: T },
        InvalidEventError,
        `until: ${T} must lie after today (${T})`,
      ],
      [
        'exception for another reason',
        { type: 'spoor2-exception', reason: 'drukte', until: day(100) },
        InvalidEventError,
        /^reason: /,
      ],
      // deskundigenoordeel-received
      [
        'answer from the future',
        { type: 'deskundigenoordeel-received', date: tomorrow, question: 'passende-arbeid', outcome: 'passend' },
        InvalidEventError,
        `date: ${tomorrow} is in the future`,
      ],
      [
        'a sixth question',
        { type: 'deskundigenoordeel-received', date: T, question: 'ziet-er-ziek-uit', outcome: 'ja' },
        InvalidEventError,
        /^question: /,
      ],
      // loonsanctie
      [
        'a second loonsanctie',
        { type: 'loonsanctie', weeks: 10, decisionDate: T },
        EventNotAllowedError,
        'a loonsanctie of 52 weeks is already recorded',
      ],
      ['53 weeks', { type: 'loonsanctie', weeks: 53, decisionDate: T }, InvalidEventError, /^weeks: /],
      [
        'decided tomorrow',
        { type: 'loonsanctie', weeks: 10, decisionDate: tomorrow },
        InvalidEventError,
        `decisionDate: ${tomorrow} is in the future`,
      ],
      // loonsanctie-bekort
      [
        'bekorting to before the end',
        { type: 'loonsanctie-bekort', endDate: day(700) },
        InvalidEventError,
        /^loonsanctieEndsOn: .*must lie after/,
      ],
      // vrijwillige-verlenging
      [
        '60 weeks in all',
        { type: 'vrijwillige-verlenging', weeks: 30 },
        InvalidEventError,
        'weeks: the vrijwillige verlenging would total 60 weeks; at most 52 are allowed',
      ],
      // employment-ended
      [
        'employment ended twice',
        { type: 'employment-ended', date: T, eigenrisicodrager: true },
        EventNotAllowedError,
        `the end of employment on ${T} is already recorded`,
      ],
      ['eigenrisicodrager left out', { type: 'employment-ended', date: T }, InvalidEventError, /^eigenrisicodrager: /],
      // note
      ['an empty note', { type: 'note', text: '' }, InvalidEventError, 'text: must not be empty'],
      ['a diagnosis', { type: 'note', text: 'gesprek gehad', diagnosis: 'burn-out' }, InvalidEventError, 'diagnosis'],
      // case-closed
      ['closed without reason', { type: 'case-closed', reason: '' }, InvalidEventError, 'reason: must not be empty'],
      // any event
      ['an unknown event type', { type: 'fired' }, InvalidEventError, 'type must be one of the known event types'],
      ['no actor', { type: 'note', text: 'x', actor: undefined }, InvalidEventError, /^actor: /],
    ]);

    // The workflow refuses malformed input itself too, when a caller bypasses the client library.
    const handle = world.env.client.workflow.getHandle(caseWorkflowId(caseId));
    for (const [raw, message] of [
      [{ type: 'note', actor: ACTOR, text: '' }, 'text: must not be empty'],
      [{ type: 'note', actor: ACTOR, text: 'x', diagnosis: 'burn-out' }, 'diagnosis'],
      [{ type: 'task-completed', actor: ACTOR, task: 'probleemanalyse', date: tomorrow }, 'is in the future'],
      // zod's own wording, which the workflow bundle must carry (zod/mini loads no locale itself)
      [{ type: 'loonsanctie', actor: ACTOR, weeks: 'ten', decisionDate: D }, 'weeks: Invalid input: expected number'],
    ] as const) {
      // In the envelope the client library sends (the case's id, an id of its own), the event as it is.
      const envelope = { caseId, eventId: `test-${Math.random().toString(36).slice(2)}`, event: raw };
      const err = await handle.executeUpdate(recordEventUpdate, { args: [envelope as never] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (err as WorkflowUpdateFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('InvalidEvent');
      expect((cause as ApplicationFailure).message).toContain(message);
    }

    // Refusals leave nothing behind: no failed workflow task, no update in the history, and the
    // case still takes the next good event.
    await accept(caseId, { type: 'note', text: 'gesprek over de voortgang' });
    const history = await handle.fetchHistory();
    const types = (history.events ?? []).map((e) => e.eventType);
    expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect(types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)).toHaveLength(
      accepted + 1,
    );
    const view = await world.show(caseId);
    expect(entries(view, 'event')).toHaveLength(accepted + 1);
    expect(view.workPercentage).toBeUndefined();
  });

  it('relapse and recovery refusals that need a recovered case', async () => {
    const caseId = `events-recovered-${run}`;
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    await world.travelTo(addDays(D, 5), 10);
    const recoveredOn = addDays(D, 3);
    await accept(caseId, { type: 'recovered', date: recoveredOn });
    await expectRefusals(caseId, [
      [
        'recovered again',
        { type: 'recovered', date: addDays(D, 4) },
        EventNotAllowedError,
        'the employee is already recorded as recovered',
      ],
      [
        'relapse on the day of recovery',
        { type: 'relapsed', date: recoveredOn },
        InvalidEventError,
        `the relapse on ${recoveredOn} must come after the recovery on ${recoveredOn}`,
      ],
      [
        'bekorting without loonsanctie',
        { type: 'loonsanctie-bekort', endDate: addDays(D, 800) },
        EventNotAllowedError,
        'there is no loonsanctie to shorten',
      ],
      [
        'completing what no longer applies',
        { type: 'task-completed', task: 'probleemanalyse', date: addDays(D, 4) },
        EventNotAllowedError,
        'probleemanalyse is not applicable in this case (hersteld)',
      ],
    ]);
    await accept(caseId, { type: 'case-closed', reason: 'test done' });
    await expectRefusals(caseId, [
      ['an event for a closed case', { type: 'note', text: 'x' }, EventNotAllowedError, /closed/],
    ]);
  });

  it('records who recorded each event, and what the system did itself', async () => {
    const caseId = `events-actor-${run}`;
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    await world.travelTo(addDays(D, 2), 10);
    const entry = await recordEvent(world.cases, caseId, {
      type: 'task-completed',
      actor: 'p.jansen@korenschoof.example',
      task: 'ziekmelding',
      date: addDays(D, 1),
    });
    expect(entry.entry).toMatchObject({ kind: 'event', actor: 'p.jansen@korenschoof.example', task: 'ziekmelding' });
    await recordEvent(world.cases, caseId, { type: 'note', actor: 'arts@arbo.example', text: 'spreekuur gepland' });
    const view = await world.show(caseId);
    expect(entries(view, 'event').map((e) => [e.actor, e.event?.type])).toEqual([
      ['p.jansen@korenschoof.example', 'task-completed'],
      ['arts@arbo.example', 'note'],
    ]);
    expect(entries(view, 'opened')[0]!.actor).toBe('system');
    // (the ziekmelding's reminder moment, 08:00 on the first sick day, had passed when the case opened)
    expect(entries(view, 'reminder').map((e) => e.task)).toEqual(['ziekmelding']);
    for (const e of entries(view, 'reminder')) expect(e.actor).toBe('system');
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: 'anna@arbo.example', reason: 'test done' });
    const closed = await world.show(caseId);
    expect(entries(closed, 'closed')[0]).toMatchObject({ actor: 'anna@arbo.example', details: 'gesloten: test done' });
  });

  it('refuses to open the same case twice, and names unknown cases', async () => {
    const caseId = `events-twice-${run}`;
    await world.startAt(D, 9);
    await openCase(world.cases, sampleCase(caseId, D));
    await expect(openCase(world.cases, sampleCase(caseId, D))).rejects.toThrow(DuplicateCaseError);
    // Also with other details: the case id decides.
    await expect(openCase(world.cases, sampleCase(caseId, addDays(D, -3)))).rejects.toThrow(
      `case ${caseId} already exists`,
    );
    await recordEvent(world.cases, caseId, { type: 'case-closed', actor: ACTOR, reason: 'test done' });
    // A closed case is not opened again either.
    await expect(openCase(world.cases, sampleCase(caseId, D))).rejects.toThrow(DuplicateCaseError);

    const unknown = `events-nobody-${run}`;
    await expect(recordEvent(world.cases, unknown, { type: 'note', actor: ACTOR, text: 'x' })).rejects.toThrow(
      UnknownCaseError,
    );
    await expect(getCase(world.cases, unknown)).rejects.toThrow(`there is no case ${unknown}`);
  });
});
