// The shape of a rule set: the law's deadlines as data, interpreted by compute.ts.
import type { MilestoneId, OwnerRole } from '../milestones.js';

export type RulesetId = string;

/**
 * How a due date is found. Days are counted in sick days of the case (samentellen: days between a
 * recovery and a relapse less than 28 days later do not count); without interruptions a sick day
 * count equals a calendar day count.
 */
export type DueRule =
  /** The day on which the count of sick days reaches `day`; D itself is day 1, so "D + n" is day n + 1. */
  | { kind: 'sick-day'; day: number }
  /** The first working day after week `week` (week n ends when the count reaches 7n). */
  | { kind: 'first-working-day-after-week'; week: number }
  /** `days` sick days after `task` was completed, or after its due date while it is not completed. */
  | { kind: 'after-task'; task: MilestoneId; days: number }
  /** Recurring: `days` after the latest recorded occurrence, else `days` after `task` (as after-task). */
  | { kind: 'recurring-after'; task: MilestoneId; days: number };

export interface MilestoneRule {
  id: MilestoneId;
  /** Dutch title, as shown to people. */
  title: string;
  owner: OwnerRole;
  isTask: boolean;
  /** The legal basis, in words. */
  legalBasis: string;
  due: DueRule;
  /** From when the task may be done, where the law says so. */
  from?: DueRule;
  /** Moves by the length of a vrijwillige verlenging (only sick-day rules can move). */
  movesWithVerlenging?: boolean;
  /** Moves by the length of a loonsanctie (only sick-day rules can move). */
  movesWithLoonsanctie?: boolean;
  /** Marks the end of the waiting time; a bekorting of the loonsanctie sets it directly. */
  isWaitingTimeEnd?: boolean;
  /** May be moved with a recorded reason (Regeling procesgang art. 5). */
  postponable?: boolean;
  /**
   * Spoor 2: due `afterNoProspectDays` sick days after spoor 1 is found to have no prospect when that
   * is earlier, and moved by a recorded exception.
   */
  spoor2?: { afterNoProspectDays: number };
  /**
   * When employment ends (not eigenrisicodrager) and the sickness has lasted at least this many sick
   * days, the task stays applicable: UWV needs it in the dossier it takes over.
   */
  requiredForVangnetDossierAfterSickDays?: number;
}

export interface Ruleset {
  id: RulesetId;
  /** What the rule set covers and from when, in words. */
  description: string;
  /** A relapse fewer than this many days after recovery continues the case (samentellen). */
  samentellenGapDays: number;
  /** In domain.md order: every after-task rule refers to an earlier milestone. */
  milestones: readonly MilestoneRule[];
}
