// The messages the outside world exchanges with a running case: one update for every event (with a
// validator, so the caller hears yes or a specific no at once) and one query for the case record.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { computeCalendar, type CalendarResult, type IsoDate } from './calendar/index.js';
import type { EventEnvelope } from './case-events.js';
import {
  completionsIn,
  type CaseState,
  type CaseStatus,
  type Completion,
  type DeskundigenoordeelState,
  type Language,
  type StandIn,
  type TimelineEntry,
} from './case-model.js';

export interface CaseView {
  caseId: string;
  status: CaseStatus;
  closedReason?: string;
  ruleset: string;
  employer: { id: string; name: string; language?: Language };
  employee: { id: string; displayName: string };
  casemanager: { name: string; email: string; language?: Language; team?: string };
  bedrijfsarts: { name: string; email: string; language?: Language };
  /** The Amsterdam date the view was computed for. */
  asOf: IsoDate;
  calendar: CalendarResult;
  deskundigenoordeel?: DeskundigenoordeelState;
  workPercentage?: { since: IsoDate; percentage: number };
  /** Colleagues who stand in for the casemanager, each for a period. */
  standIns?: StandIn[];
  /** The latest entries (at most TIMELINE_WINDOW + 50); the earlier ones are in the case's history. */
  timeline: TimelineEntry[];
  /** How many entries came before `timeline` (read them with `poortwachter audit export`). */
  timelineOmitted?: number;
  /** Every task recorded as done, with its date and document, also those before `timeline`. */
  completions?: Completion[];
  /** The sickness periods and extensions of the waiting time, as the case's facts hold them. */
  sickness?: {
    periods: { from: IsoDate; to?: IsoDate }[];
    loonsanctieWeeks?: number;
    vrijwilligeVerlengingWeeks?: number;
  };
}

export interface EventAccepted {
  accepted: true;
  /** The timeline entry the event produced. */
  entry: TimelineEntry;
}

/** One event, in its envelope (case-events.ts: the case it is for and an id of its own). */
export const recordEventUpdate = defineUpdate<EventAccepted, [EventEnvelope]>('record-event');
/**
 * The case record. A query does not advance workflow time (it is the time of the last wake-up), so
 * the caller may pass its own date: statuses are computed for the later of the two.
 */
export const caseQuery = defineQuery<CaseView, [{ asOf?: IsoDate }?]>('case');

/** ApplicationFailure types of a refused event, for the client to tell them apart. */
export const REFUSAL_TYPES = { invalid: 'InvalidEvent', 'not-allowed': 'EventNotAllowed' } as const;

/** The case record as the query answers it, judged on `asOf`. */
export function caseView(state: CaseState, asOf: IsoDate): CaseView {
  return {
    caseId: state.open.caseId,
    status: state.status,
    ...(state.closedReason && { closedReason: state.closedReason }),
    ruleset: state.facts.ruleset ?? computeCalendar(state.facts).ruleset,
    employer: {
      id: state.open.employer.id,
      name: state.open.employer.name,
      ...(state.open.employer.language && { language: state.open.employer.language }),
    },
    employee: state.open.employee,
    casemanager: state.open.casemanager,
    bedrijfsarts: state.open.bedrijfsarts,
    asOf,
    calendar: computeCalendar(state.facts, { asOf }),
    ...(state.deskundigenoordeel && { deskundigenoordeel: state.deskundigenoordeel }),
    ...(state.workPercentage && { workPercentage: state.workPercentage }),
    ...(state.standIns && { standIns: state.standIns }),
    timeline: state.timeline,
    ...(state.timelineOmitted && { timelineOmitted: state.timelineOmitted.entries }),
    completions: state.completions ?? completionsIn(state.timeline),
    sickness: {
      periods: state.facts.periods ?? [{ from: state.facts.firstSickDay }],
      ...(state.facts.loonsanctieWeeks && { loonsanctieWeeks: state.facts.loonsanctieWeeks }),
      ...(state.facts.vrijwilligeVerlengingWeeks && {
        vrijwilligeVerlengingWeeks: state.facts.vrijwilligeVerlengingWeeks,
      }),
    },
  };
}
