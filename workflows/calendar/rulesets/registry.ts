// The registry of rule sets. A case keeps the rule set it was opened under (its id is stored in the
// case facts), so a published rule set is never replaced: registering an id twice is refused, and
// the data is frozen so nothing can change it afterwards.
import { MILESTONE_IDS } from '../milestones.js';
import type { DueRule, Ruleset, RulesetId } from './types.js';
import { WVP_2026 } from './wvp-2026.js';

/** The rule set new cases are opened under. */
export const LATEST_RULESET = 'wvp-2026' as const;

const registry = new Map<RulesetId, Ruleset>();

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** Checks that compute.ts can interpret the rule set; fails at registration, not in a running case. */
function checkRuleset(ruleset: Ruleset): void {
  const seen = new Set<string>();
  const refersBack = (rule: DueRule, where: string): void => {
    if ((rule.kind === 'after-task' || rule.kind === 'recurring-after') && !seen.has(rule.task)) {
      throw new Error(`rule set ${ruleset.id}: ${where} refers to ${rule.task}, which must come earlier`);
    }
  };
  for (const m of ruleset.milestones) {
    if (seen.has(m.id)) throw new Error(`rule set ${ruleset.id}: milestone ${m.id} appears twice`);
    refersBack(m.due, m.id);
    if (m.from) refersBack(m.from, `${m.id}.from`);
    if ((m.movesWithVerlenging || m.movesWithLoonsanctie || m.isWaitingTimeEnd) && m.due.kind !== 'sick-day') {
      throw new Error(`rule set ${ruleset.id}: ${m.id} can only move with an extension if it is a sick-day rule`);
    }
    seen.add(m.id);
  }
  for (const id of MILESTONE_IDS) {
    if (!seen.has(id)) throw new Error(`rule set ${ruleset.id}: milestone ${id} is missing`);
  }
  if (ruleset.milestones.filter((m) => m.isWaitingTimeEnd).length !== 1) {
    throw new Error(`rule set ${ruleset.id}: exactly one milestone must mark the end of the waiting time`);
  }
}

/** Adds a rule set. Refuses an id that is already registered: published rule sets do not change. */
export function registerRuleset(ruleset: Ruleset): void {
  if (registry.has(ruleset.id)) throw new Error(`rule set ${ruleset.id} is already registered`);
  checkRuleset(ruleset);
  registry.set(ruleset.id, deepFreeze(structuredCloneRuleset(ruleset)));
}

// A private copy, so that the caller keeping a reference to the object cannot change a registered set.
function structuredCloneRuleset(ruleset: Ruleset): Ruleset {
  return JSON.parse(JSON.stringify(ruleset)) as Ruleset;
}

export function getRuleset(id: RulesetId): Ruleset | undefined {
  return registry.get(id);
}

export function listRulesets(): RulesetId[] {
  return [...registry.keys()];
}

registerRuleset(WVP_2026);
