// The custom search attributes a case keeps current, so cases can be listed without reading them.
// They hold ids, statuses, dates and counts only: the Temporal server stores them unencrypted.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CASE_STATUS = defineSearchAttributeKey('CaseStatus', SearchAttributeType.KEYWORD);
export const CASEMANAGER_ID = defineSearchAttributeKey('CasemanagerId', SearchAttributeType.KEYWORD);
export const EMPLOYER_ID = defineSearchAttributeKey('EmployerId', SearchAttributeType.KEYWORD);
/** The casemanager's team (`casemanager.team`), so a teamleider lists the team's cases. */
export const CASE_TEAM = defineSearchAttributeKey('CaseTeam', SearchAttributeType.KEYWORD);
/** A hash of the bedrijfsarts' e-mail address (bedrijfsartsKey), so a bedrijfsarts lists their cases. */
export const BEDRIJFSARTS_ID = defineSearchAttributeKey('BedrijfsartsId', SearchAttributeType.KEYWORD);
export const NEXT_DEADLINE = defineSearchAttributeKey('NextDeadline', SearchAttributeType.DATETIME);
export const OVERDUE_TASKS = defineSearchAttributeKey('OverdueTasks', SearchAttributeType.INT);

export const SEARCH_ATTRIBUTES = [
  CASE_STATUS,
  CASEMANAGER_ID,
  EMPLOYER_ID,
  CASE_TEAM,
  BEDRIJFSARTS_ID,
  NEXT_DEADLINE,
  OVERDUE_TASKS,
];
