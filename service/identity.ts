// Who is calling, and what they may do. A system comes in with an API key or an access token of the
// arbodienst's identity provider (its scopes and employers); a person with a login session, or an
// access token carrying their groups, whose roles come from the identity provider's claims. All
// become one Identity, and one set of rules decides: which actions, which cases, which events. Pure:
// the routes ask, this module answers.
import type { CaseEvent } from '../workflows/case-model.js';
import { SCOPES, type Scope } from './api-keys.js';

export const ROLES = ['casemanager', 'teamleider', 'bedrijfsarts', 'werkgever', 'auditor', 'beheerder'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  /** Through which door: an API key, a login session, or an access token of the identity provider. */
  via: 'api-key' | 'session' | 'token';
  /** The key's id, or the subject at the identity provider (a person, or a system's client id). */
  id: string;
  /** The key's name, the person's name, or the system's client id. */
  name: string;
  /** A person's e-mail address: how a casemanager or bedrijfsarts is found on a case. */
  email?: string;
  /** A person's roles (none for a system: its scopes say what it may do). */
  roles: Role[];
  /** A system's scopes. */
  scopes: Scope[];
  /** Only the cases of these employers (a key restricted to them, a werkgever's employer ids). */
  employers?: string[];
  /** A teamleider's team. */
  team?: string;
  /** The person's language (the `locale` claim), for the pages: `en` for English, else Dutch. */
  language?: 'nl' | 'en';
  /** An access token of a system (client credentials), not of a person: judged by its scopes. */
  system?: boolean;
}

/** What a route does, as the access log names it. */
export type Action =
  | 'case.open'
  | 'case.read'
  | 'case.list'
  | 'event.record'
  | 'calendar.compute'
  | 'audit.export'
  | 'import.start'
  | 'import.read'
  | 'payload.decode'
  | 'payload.encode';

/** The scope a system needs for each action; `null`: no system may (only people in their roles). */
export const ACTION_SCOPE: Record<Action, Scope | null> = {
  'case.open': 'cases:write',
  'case.read': 'cases:read',
  'case.list': 'cases:read',
  'event.record': 'events:write',
  'calendar.compute': 'cases:read',
  'audit.export': 'audit:export',
  'import.start': 'cases:write',
  'import.read': 'cases:read',
  // The decrypting endpoint of the Temporal Web UI is for people reading histories, never a system.
  'payload.decode': null,
  'payload.encode': null,
};

/** The actions of each role; which cases and events is decided per case below. */
const ROLE_ACTIONS: Record<Role, Action[]> = {
  casemanager: ['case.open', 'case.read', 'case.list', 'event.record', 'calendar.compute'],
  teamleider: ['case.read', 'case.list', 'event.record', 'calendar.compute'],
  bedrijfsarts: ['case.read', 'case.list', 'event.record', 'calendar.compute'],
  werkgever: ['case.read', 'case.list', 'event.record', 'calendar.compute'],
  auditor: ['case.read', 'case.list', 'calendar.compute', 'audit.export', 'payload.decode'],
  beheerder: [
    'case.open',
    'case.read',
    'case.list',
    'event.record',
    'calendar.compute',
    'audit.export',
    'import.start',
    'import.read',
    'payload.decode',
    'payload.encode',
  ],
};

/**
 * A system (an API key, or an access token without a person's roles) is judged by its scopes and
 * employers; a person by their roles. A login session is always a person, even one without roles.
 */
export function isSystem(identity: Identity): boolean {
  return identity.via === 'api-key' || (identity.via === 'token' && identity.system === true);
}

/** Whether the identity may do `action` at all (before any case is looked at). */
export function mayDo(identity: Identity, action: Action): boolean {
  if (isSystem(identity)) {
    const scope = ACTION_SCOPE[action];
    return scope !== null && identity.scopes.includes(scope);
  }
  return identity.roles.some((role) => ROLE_ACTIONS[role].includes(action));
}

/** What a case shows of the people it belongs to: enough to decide who may see it. */
export interface CaseParties {
  employerId: string;
  casemanagerEmail: string;
  bedrijfsartsEmail: string;
  /** The casemanager's team, when the case was opened with one. */
  team?: string;
  /** Colleagues standing in for the casemanager today: they see the case as its casemanager. */
  standInEmails?: string[];
}

/**
 * Who a case belongs to, from its record (or the input that opens it): its employer, casemanager,
 * team, bedrijfsarts, and the colleagues standing in for the casemanager on the record's date.
 */
export function partiesOf(c: {
  employer: { id: string };
  casemanager: { email: string; team?: string };
  bedrijfsarts: { email: string };
  standIns?: { email: string; from: string; until: string }[];
  asOf?: string;
}): CaseParties {
  const asOf = c.asOf;
  const standIns = asOf ? (c.standIns ?? []).filter((s) => s.from <= asOf && asOf <= s.until) : [];
  return {
    employerId: c.employer.id,
    casemanagerEmail: c.casemanager.email,
    bedrijfsartsEmail: c.bedrijfsarts.email,
    ...(c.casemanager.team && { team: c.casemanager.team }),
    ...(standIns.length > 0 && { standInEmails: standIns.map((s) => s.email) }),
  };
}

const sameEmail = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();

/** The roles through which the identity sees this case (empty: it does not, and is told it does not exist). */
export function rolesOnCase(identity: Identity, parties: CaseParties): Role[] {
  if (isSystem(identity)) return [];
  return identity.roles.filter((role) => {
    switch (role) {
      case 'casemanager':
        return (
          sameEmail(identity.email, parties.casemanagerEmail) ||
          (parties.standInEmails ?? []).some((e) => sameEmail(identity.email, e))
        );
      case 'teamleider':
        return identity.team !== undefined && identity.team === parties.team;
      case 'bedrijfsarts':
        return sameEmail(identity.email, parties.bedrijfsartsEmail);
      case 'werkgever':
        return identity.employers?.includes(parties.employerId) ?? false;
      case 'auditor':
      case 'beheerder':
        return true;
    }
  });
}

/** Whether the identity sees the case: a system within its employers, a person through one of their roles. */
export function seesCase(identity: Identity, parties: CaseParties): boolean {
  if (isSystem(identity)) return !identity.employers || identity.employers.includes(parties.employerId);
  return rolesOnCase(identity, parties).length > 0;
}

/** One part of what a list may show: the cases with this casemanager, team, bedrijfsarts or employer. */
export type ListPart =
  { casemanagerEmail: string } | { team: string } | { bedrijfsartsEmail: string } | { employerId: string };

/**
 * Which cases a list may show the identity: `all`, or those matching any of the parts, one per role
 * (the same rules as seesCase, as search-attribute filters). Empty: none.
 */
export function listScope(identity: Identity): 'all' | ListPart[] {
  if (isSystem(identity)) return identity.employers ? identity.employers.map((employerId) => ({ employerId })) : 'all';
  if (identity.roles.some((role) => role === 'auditor' || role === 'beheerder')) return 'all';
  return identity.roles.flatMap((role): ListPart[] => {
    switch (role) {
      case 'casemanager':
        return identity.email ? [{ casemanagerEmail: identity.email }] : [];
      case 'teamleider':
        return identity.team ? [{ team: identity.team }] : [];
      case 'bedrijfsarts':
        return identity.email ? [{ bedrijfsartsEmail: identity.email }] : [];
      case 'werkgever':
        return (identity.employers ?? []).map((employerId) => ({ employerId }));
      default:
        return [];
    }
  });
}

/** Who owns a task in the rule set (`owner` of its milestone). */
export type TaskOwner = 'werkgever' | 'werknemer' | 'werkgever+werknemer' | 'bedrijfsarts' | 'casemanager' | 'none';

/** The events an employer records: its own tasks, and what happens between it and its employee. */
const EMPLOYER_EVENTS: CaseEvent['type'][] = [
  'task-postponed',
  'recovered',
  'relapsed',
  'vrijwillige-verlenging',
  'employment-ended',
  'note',
];

/**
 * Whether the identity may record this event on a case it sees; `ownerOf` names a task's owner.
 * A bedrijfsarts records the bedrijfsarts' tasks only; a werkgever the employer's tasks and its events;
 * an auditor nothing; a casemanager, teamleider or beheerder anything the case takes.
 */
export function mayRecord(
  identity: Identity,
  parties: CaseParties,
  event: { type: string; task?: string },
  ownerOf: (task: string) => TaskOwner | undefined,
): boolean {
  if (isSystem(identity)) return identity.scopes.includes('events:write');
  const owner = event.type === 'task-completed' && event.task ? ownerOf(event.task) : undefined;
  return rolesOnCase(identity, parties).some((role) => {
    switch (role) {
      case 'casemanager':
      case 'teamleider':
      case 'beheerder':
        return true;
      case 'bedrijfsarts':
        return owner === 'bedrijfsarts';
      case 'werkgever':
        return (
          owner === 'werkgever' || owner === 'werkgever+werknemer' || (EMPLOYER_EVENTS as string[]).includes(event.type)
        );
      case 'auditor':
        return false;
    }
  });
}

/**
 * How an event's actor is written on the timeline: who, through which door, in which role. A key is
 * `api:<name>`, a system's access token `oauth:<client>`, a person `login:<email> (<role>)` (or
 * `token:` when they came with an access token instead of a session).
 */
export function actorOf(identity: Identity, parties?: CaseParties): string {
  if (identity.via === 'api-key') return `api:${identity.name}`;
  if (isSystem(identity)) return `oauth:${identity.name}`;
  const role = (parties && rolesOnCase(identity, parties)[0]) ?? identity.roles[0] ?? 'geen rol';
  return `${identity.via === 'session' ? 'login' : 'token'}:${identity.email ?? identity.id} (${role})`;
}

/** How the identity provider's claims are read (POORTWACHTER_OIDC_* settings). */
export interface ClaimMapping {
  /** The claim that holds the person's groups (default `groups`). */
  groupsClaim: string;
  /** Group → role; a person gets the roles of all their groups. */
  roles: Record<string, Role>;
  /** The claim with a werkgever's employer ids (default `employer_ids`). */
  employersClaim: string;
  /** The claim with a teamleider's team (default `team`). */
  teamClaim: string;
}

/** The default mapping: groups named `poortwachter-<role>`. */
export const DEFAULT_CLAIM_MAPPING: ClaimMapping = {
  groupsClaim: 'groups',
  roles: Object.fromEntries(ROLES.map((role) => [`poortwachter-${role}`, role])),
  employersClaim: 'employer_ids',
  teamClaim: 'team',
};

const strings = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];

/** A person's identity from the claims of their ID token; `undefined` without a subject. */
export function identityFromClaims(claims: Record<string, unknown>, mapping: ClaimMapping): Identity | undefined {
  const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
  if (!sub) return undefined;
  const email = typeof claims.email === 'string' ? claims.email : undefined;
  const name = typeof claims.name === 'string' ? claims.name : (email ?? sub);
  const roles = [...new Set(strings(claims[mapping.groupsClaim]).flatMap((g) => mapping.roles[g] ?? []))];
  const employers = strings(claims[mapping.employersClaim]);
  const team = strings(claims[mapping.teamClaim])[0];
  const locale = typeof claims.locale === 'string' ? claims.locale.toLowerCase() : '';
  const language = locale.startsWith('en') ? 'en' : locale.startsWith('nl') ? 'nl' : undefined;
  return {
    via: 'session',
    id: sub,
    name,
    ...(email && { email }),
    roles,
    scopes: [],
    ...(employers.length > 0 && { employers }),
    ...(team && { team }),
    ...(language && { language }),
  };
}

/**
 * The identity of an access token's claims (already checked: signature, type, issuer, audience,
 * expiry). A token of client credentials (no subject, or the client itself as subject) is a system's,
 * with the scopes of `scope` (or `scp`) that this service knows and the employers of the employers
 * claim. Any other token is a person's (the Temporal Web UI passes a person's token along), judged by
 * the roles of their groups only: a person without a role may do nothing, whatever scopes the token
 * carries. `undefined` without a subject or client.
 */
export function identityFromAccessToken(claims: Record<string, unknown>, mapping: ClaimMapping): Identity | undefined {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const client = text(claims.client_id) ?? text(claims.azp);
  const sub = text(claims.sub);
  if (sub === undefined || sub === client) {
    if (!client) return undefined;
    const granted = typeof claims.scope === 'string' ? claims.scope.split(' ') : strings(claims.scp);
    const scopes = SCOPES.filter((s) => granted.includes(s));
    const employers = strings(claims[mapping.employersClaim]);
    return {
      via: 'token',
      system: true,
      id: client,
      name: client,
      roles: [],
      scopes,
      ...(employers.length > 0 && { employers }),
    };
  }
  const person = identityFromClaims(claims, mapping);
  return person && { ...person, via: 'token' };
}

/** Parses `group=role,group=role` (POORTWACHTER_OIDC_ROLES); throws with the part at fault. */
export function parseRoleMapping(text: string): Record<string, Role> {
  const mapping: Record<string, Role> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [group, role] = part.split('=').map((p) => p.trim());
    if (!group || !role || !(ROLES as readonly string[]).includes(role))
      throw new Error(`"${part}" is not group=role with a role of ${ROLES.join(', ')}`);
    mapping[group] = role as Role;
  }
  return mapping;
}
