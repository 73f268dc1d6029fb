// The obligations of a case, by the ids domain.md gives them. The ids are Dutch on purpose: they
// are the names the CLI, the e-mails and the people at the arbodienst use.

export const MILESTONE_IDS = [
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
] as const;

export type MilestoneId = (typeof MILESTONE_IDS)[number];

/** Milestones that are tasks someone completes (all but einde-wachttijd, which is only a date). */
export const TASK_IDS = MILESTONE_IDS.filter((id) => id !== 'einde-wachttijd') as Exclude<
  MilestoneId,
  'einde-wachttijd'
>[];
export type TaskId = Exclude<MilestoneId, 'einde-wachttijd'>;

/** Tasks completed once, with one date (evaluatie recurs and has a list of dates). */
export type SingleTaskId = Exclude<TaskId, 'evaluatie'>;
export const SINGLE_TASK_IDS = TASK_IDS.filter((id) => id !== 'evaluatie') as SingleTaskId[];

/** Deadlines that employer and employee may move with a recorded reason (Regeling procesgang art. 5). */
export const POSTPONABLE_IDS = ['probleemanalyse', 'plan-van-aanpak'] as const;
export type PostponableId = (typeof POSTPONABLE_IDS)[number];

export type OwnerRole = 'werkgever' | 'werknemer' | 'werkgever+werknemer' | 'bedrijfsarts' | 'casemanager' | 'none';

export function isMilestoneId(value: string): value is MilestoneId {
  return (MILESTONE_IDS as readonly string[]).includes(value);
}
