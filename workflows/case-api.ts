// The messages the outside world exchanges with a running case: one update for every event (with a
// validator, so the caller hears yes or a specific no at once) and one query for the case record.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CalendarResult, IsoDate } from './calendar/index.js';
import type { CaseEvent, CaseStatus, DeskundigenoordeelState, Language, TimelineEntry } from './case-model.js';

export interface CaseView {
  caseId: string;
  status: CaseStatus;
  closedReason?: string;
  ruleset: string;
  employer: { id: string; name: string; language?: Language };
  employee: { id: string; displayName: string };
  casemanager: { name: string; email: string; language?: Language };
  /** The Amsterdam date the view was computed for. */
  asOf: IsoDate;
  calendar: CalendarResult;
  deskundigenoordeel?: DeskundigenoordeelState;
  workPercentage?: { since: IsoDate; percentage: number };
  timeline: TimelineEntry[];
}

export interface EventAccepted {
  accepted: true;
  /** The timeline entry the event produced. */
  entry: TimelineEntry;
}

export const recordEventUpdate = defineUpdate<EventAccepted, [CaseEvent]>('record-event');
/**
 * The case record. A query does not advance workflow time (it is the time of the last wake-up), so
 * the caller may pass its own date: statuses are computed for the later of the two.
 */
export const caseQuery = defineQuery<CaseView, [{ asOf?: IsoDate }?]>('case');

/** ApplicationFailure types of a refused event, for the client to tell them apart. */
export const REFUSAL_TYPES = { invalid: 'InvalidEvent', 'not-allowed': 'EventNotAllowed' } as const;
