// How an event changes a case. Pure: the workflow's update validator runs it on a copy of the
// state to refuse what does not fit (so nothing invalid reaches the history), and the handler runs
// it again on the real state.
import {
  CalendarInputError,
  addDays,
  computeCalendar,
  diffDays,
  type CaseFacts,
  type IsoDate,
} from './calendar/index.js';
import {
  CASE_LIMITS,
  caseEventSchema,
  type CaseEvent,
  type CaseState,
  type DeskundigenoordeelState,
} from './case-model.js';
import { medicalRefusal } from './medical-terms.js';
import { isNotEncrypted, NOT_ENCRYPTED_MESSAGE } from './not-encrypted.js';

/** Why an event was refused: malformed (`invalid`) or impossible in the case's state (`not-allowed`). */
export class EventRefusal extends Error {
  constructor(
    readonly kind: 'invalid' | 'not-allowed',
    message: string,
    /** The message holds no case data and is for senders without the keys too (failure-converter.ts). */
    readonly shownToAll = false,
  ) {
    super(message);
    this.name = 'EventRefusal';
  }
}

const invalid = (message: string) => new EventRefusal('invalid', message);
const notAllowed = (message: string) => new EventRefusal('not-allowed', message);
/** A refusal of the envelope: what someone without the keys sent, or copied from another case. */
const envelopeRefusal = (kind: EventRefusal['kind'], message: string) => new EventRefusal(kind, message, true);

export function parseEvent(input: unknown): CaseEvent {
  const parsed = caseEventSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw invalid(
    parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'event'}: ${i.message}`).join('; '),
  );
}

function notInFuture(date: IsoDate, today: IsoDate, field: string): void {
  if (date > today) throw invalid(`${field}: ${date} is in the future (today is ${today})`);
}

function notBeforeCase(date: IsoDate, state: CaseState, field: string): void {
  if (date < state.facts.firstSickDay) {
    throw invalid(`${field}: ${date} is before the first sick day ${state.facts.firstSickDay}`);
  }
}

/**
 * An event as it travels to a case: it names the case and carries an id of its own, so that an
 * event taken from one case's history is refused by another, and the same one is not taken twice.
 */
export interface EventEnvelope {
  caseId: string;
  eventId: string;
  event: CaseEvent;
  /**
   * The sender screened the free text for medical data with the arbodienst's own list (which may
   * lift a built-in word): the case then does not screen it again with the built-in list. Only a
   * sender with the keys can say so.
   */
  screened?: boolean;
}

const EVENT_ID = /^[A-Za-z0-9._:-]{8,100}$/;

/**
 * The event in what the update carries, checked against the case: its own case id, an id not seen
 * before, and a payload encrypted with a known key. `strict` (the validator, for what arrives now)
 * refuses a bare event; without it (the handler, replaying what a validator once took) a bare event
 * from a history before envelopes is read as it is.
 */
export function unwrapEvent(raw: unknown, state: CaseState, strict: boolean): { event: CaseEvent; eventId?: string } {
  if (isNotEncrypted(raw)) throw envelopeRefusal('invalid', NOT_ENCRYPTED_MESSAGE);
  const envelope = raw as Partial<EventEnvelope> | null;
  if (typeof envelope !== 'object' || envelope === null || !('event' in envelope)) {
    if (strict) {
      throw envelopeRefusal(
        'invalid',
        'event: must come as { caseId, eventId, event } (the client library sends it so)',
      );
    }
    return { event: asTaken(raw) };
  }
  if (strict) {
    if (envelope.caseId !== state.open.caseId) {
      throw envelopeRefusal(
        'invalid',
        `caseId: this event is for case ${String(envelope.caseId)}, not ${state.open.caseId}`,
      );
    }
    if (typeof envelope.eventId !== 'string' || !EVENT_ID.test(envelope.eventId)) {
      throw envelopeRefusal(
        'invalid',
        'eventId: must be 8 to 100 letters, digits, dots, dashes, colons or underscores',
      );
    }
    if (state.eventIds?.includes(envelope.eventId)) {
      throw envelopeRefusal('not-allowed', `eventId: event ${envelope.eventId} has been recorded on this case already`);
    }
  }
  const event = strict ? parseEvent(envelope.event) : asTaken(envelope.event);
  if (strict) withinLimits(state, event);
  // Screened only for what arrives now: an event a case once took replays as it was taken.
  const medical = strict && envelope.screened !== true ? medicalRefusal(event) : undefined;
  if (medical) throw invalid(medical);
  return { event, eventId: envelope.eventId };
}

/** What the law needs recorded is never refused for the case's size; notes and the rest are counted. */
const ALWAYS_TAKEN = new Set<CaseEvent['type']>([
  'task-completed',
  'recovered',
  'relapsed',
  'employment-ended',
  'deskundigenoordeel-received',
  'case-closed',
]);

/**
 * CASE_LIMITS, for what arrives now (the validator): a case that held more before the limits replays
 * as it was.
 */
function withinLimits(state: CaseState, event: CaseEvent): void {
  const recorded = state.recorded ?? recordedSoFar(state);
  if (event.type === 'note' && recorded.notes >= CASE_LIMITS.notes) {
    throw notAllowed(
      `this case holds ${CASE_LIMITS.notes} notes, the most one case takes; keep further notes in the arbodienst's own file`,
    );
  }
  if (!ALWAYS_TAKEN.has(event.type) && recorded.events >= CASE_LIMITS.events) {
    throw notAllowed(
      `this case holds ${CASE_LIMITS.events} events, the most one case takes; keep what more there is in the arbodienst's own file`,
    );
  }
}

/** The events and notes of a case from before it counted them: its whole timeline is still at hand. */
function recordedSoFar(state: CaseState): { events: number; notes: number } {
  const events = state.timeline.filter((e) => e.kind === 'event');
  return { events: events.length, notes: events.filter((e) => e.event?.type === 'note').length };
}

/**
 * An event a validator once took, as the handler reads it again on replay: by today's schema when it
 * still fits, else as it was (a rule tightened since, such as no line breaks in a name, must not make
 * an old history fail to replay).
 */
function asTaken(raw: unknown): CaseEvent {
  const parsed = caseEventSchema.safeParse(raw);
  return parsed.success ? parsed.data : (raw as CaseEvent);
}

/** What happens to the deskundigenoordeel after this event, if anything. */
export interface EventEffects {
  requestDeskundigenoordeel?: DeskundigenoordeelState['because'];
  close?: string;
  /** The casemanager who left the case (reassignment): their open invitations are cancelled. */
  casemanagerLeft?: string;
}

/**
 * Applies a valid event to the state (mutating it) or throws EventRefusal. `today` is the
 * Amsterdam date of the workflow's clock.
 */
export function applyEvent(state: CaseState, event: CaseEvent, today: IsoDate): EventEffects {
  if (state.status === 'closed') throw notAllowed(`the case is closed (${state.closedReason ?? 'closed'})`);
  const recorded = state.recorded ?? recordedSoFar(state);
  state.recorded = { events: recorded.events + 1, notes: recorded.notes + (event.type === 'note' ? 1 : 0) };
  const facts: CaseFacts = state.facts;
  const effects: EventEffects = {};
  const calendar = computeCalendar(facts, { asOf: today });
  const milestone = (id: string) => calendar.milestones.find((m) => m.id === id);

  switch (event.type) {
    case 'task-completed': {
      notInFuture(event.date, today, 'date');
      notBeforeCase(event.date, state, 'date');
      const m = milestone(event.task);
      if (m?.status === 'not-applicable') {
        throw notAllowed(
          `${event.task} is not applicable in this case (${m.notApplicableBecause ?? 'not applicable'})`,
        );
      }
      if (event.outcome && event.task !== 'eerstejaarsevaluatie') {
        throw invalid('outcome: only the eerstejaarsevaluatie has an outcome');
      }
      if (event.task === 'evaluatie') {
        const held = facts.completed?.evaluatie ?? [];
        if (held.includes(event.date)) throw notAllowed(`an evaluatie on ${event.date} is already recorded`);
        facts.completed = { ...facts.completed, evaluatie: [...held, event.date].sort() };
        break;
      }
      const already = facts.completed?.[event.task];
      if (already) {
        throw notAllowed(
          already === event.date
            ? `${event.task} is already recorded as done on ${already}`
            : `${event.task} is already recorded as done on ${already}; it cannot be completed again on ${event.date}`,
        );
      }
      if (event.task === 'eerstejaarsevaluatie') {
        if (!event.outcome) {
          throw invalid(
            'outcome: is required for the eerstejaarsevaluatie (spoor1-perspectief, spoor1-uitzichtloos or onduidelijk)',
          );
        }
        if (m?.from && event.date < m.from) {
          throw invalid(`date: the eerstejaarsevaluatie may be held from week 46 (${m.from}), not on ${event.date}`);
        }
        state.eerstejaarsevaluatieOutcome = event.outcome;
        if (event.outcome === 'spoor1-uitzichtloos' && !facts.spoor1UitzichtloosOn)
          facts.spoor1UitzichtloosOn = event.date;
        if (event.outcome !== 'spoor1-perspectief' && !state.deskundigenoordeel) {
          effects.requestDeskundigenoordeel = `eerstejaarsevaluatie-${event.outcome}`;
        }
      }
      facts.completed = { ...facts.completed, [event.task]: event.date };
      break;
    }
    case 'task-postponed': {
      const m = milestone(event.task);
      if (m?.doneOn) throw notAllowed(`${event.task} is already done on ${m.doneOn}; it cannot be postponed`);
      if (m && event.newDate <= m.due) {
        throw invalid(`newDate: ${event.newDate} is not later than the current due date ${m.due}`);
      }
      facts.postponements = [
        ...(facts.postponements ?? []),
        { milestone: event.task, reason: event.reason, newDue: event.newDate },
      ];
      break;
    }
    case 'recovered': {
      notInFuture(event.date, today, 'date');
      if (state.status !== 'open') throw notAllowed('the employee is already recorded as recovered');
      if ((event.workPercentage ?? 100) < 100) {
        // Partial recovery: working part of the hours does not stop or move the clock.
        state.workPercentage = { since: event.date, percentage: event.workPercentage! };
        break;
      }
      const periods = facts.periods ?? [{ from: facts.firstSickDay }];
      const last = periods[periods.length - 1]!;
      if (event.date <= last.from) {
        throw invalid(`date: recovery on ${event.date} must come after the start of the sickness on ${last.from}`);
      }
      facts.periods = [...periods.slice(0, -1), { from: last.from, to: addDays(event.date, -1) }];
      state.status = 'hersteld';
      delete state.workPercentage;
      break;
    }
    case 'relapsed': {
      notInFuture(event.date, today, 'date');
      if (state.status !== 'hersteld') throw notAllowed('a relapse needs a recorded recovery first');
      const periods = facts.periods ?? [];
      const recoveredOn = addDays(periods[periods.length - 1]!.to!, 1);
      const gap = diffDays(event.date, recoveredOn);
      if (gap <= 0) throw invalid(`date: the relapse on ${event.date} must come after the recovery on ${recoveredOn}`);
      if (gap >= 28) {
        throw notAllowed(
          `the relapse on ${event.date} comes ${gap} days after the recovery on ${recoveredOn} (28 or more): ` +
            `that is a new sickness case; open a new case with first sick day ${event.date}`,
        );
      }
      facts.periods = [...periods, { from: event.date }];
      state.status = 'open';
      break;
    }
    case 'spoor1-uitzichtloos':
      notInFuture(event.date, today, 'date');
      notBeforeCase(event.date, state, 'date');
      if (facts.spoor1UitzichtloosOn)
        throw notAllowed(`spoor 1 was already found without prospect on ${facts.spoor1UitzichtloosOn}`);
      facts.spoor1UitzichtloosOn = event.date;
      break;
    case 'spoor2-exception':
      if (event.until <= today) throw invalid(`until: ${event.until} must lie after today (${today})`);
      facts.spoor2Exception = { reason: event.reason, until: event.until };
      break;
    case 'deskundigenoordeel-received':
      notInFuture(event.date, today, 'date');
      notBeforeCase(event.date, state, 'date');
      if (state.deskundigenoordeel && !state.deskundigenoordeel.receivedOn)
        state.deskundigenoordeel.receivedOn = event.date;
      break;
    case 'loonsanctie':
      notInFuture(event.decisionDate, today, 'decisionDate');
      if (facts.loonsanctieWeeks)
        throw notAllowed(`a loonsanctie of ${facts.loonsanctieWeeks} weeks is already recorded`);
      facts.loonsanctieWeeks = event.weeks;
      break;
    case 'loonsanctie-bekort':
      if (!facts.loonsanctieWeeks) throw notAllowed('there is no loonsanctie to shorten');
      facts.loonsanctieEndsOn = event.endDate;
      break;
    case 'vrijwillige-verlenging': {
      const total = (facts.vrijwilligeVerlengingWeeks ?? 0) + event.weeks;
      if (total > 52) {
        throw invalid(`weeks: the vrijwillige verlenging would total ${total} weeks; at most 52 are allowed`);
      }
      facts.vrijwilligeVerlengingWeeks = total;
      break;
    }
    case 'employment-ended':
      notInFuture(event.date, today, 'date');
      notBeforeCase(event.date, state, 'date');
      if (facts.employmentEnded)
        throw notAllowed(`the end of employment on ${facts.employmentEnded.on} is already recorded`);
      facts.employmentEnded = { on: event.date, eigenrisicodrager: event.eigenrisicodrager };
      break;
    case 'note':
      break;
    case 'casemanager-changed': {
      notInFuture(event.from, today, 'from');
      notBeforeCase(event.from, state, 'from');
      const previous = state.open.casemanager;
      if (previous.email.toLowerCase() === event.email.toLowerCase() && previous.team === event.team)
        throw notAllowed(`${event.email} is already the casemanager of this case`);
      state.open = {
        ...state.open,
        casemanager: {
          name: event.name,
          email: event.email,
          ...(event.language && { language: event.language }),
          ...(event.team && { team: event.team }),
        },
      };
      if (previous.email.toLowerCase() !== event.email.toLowerCase()) effects.casemanagerLeft = previous.email;
      break;
    }
    case 'contact-changed':
      if (event.contact === 'werkgever') {
        state.open = { ...state.open, employer: { ...state.open.employer, escalationEmail: event.email } };
      } else {
        if (!event.name) throw invalid('name: is required for a new bedrijfsarts');
        state.open = { ...state.open, bedrijfsarts: { name: event.name, email: event.email } };
      }
      break;
    case 'stand-in':
      if (event.until < event.from) throw invalid(`until: ${event.until} is before from ${event.from}`);
      if (event.until < today) throw invalid(`until: ${event.until} has passed (today is ${today})`);
      state.standIns = [
        ...(state.standIns ?? []),
        { name: event.name, email: event.email, from: event.from, until: event.until },
      ];
      break;
    case 'case-closed':
      effects.close = event.reason;
      break;
  }

  // The calendar is the judge of whether the facts still make sense together.
  try {
    computeCalendar(facts, { asOf: today });
  } catch (err) {
    if (err instanceof CalendarInputError) throw invalid(err.message);
    throw err;
  }
  return effects;
}
