// The rules of who sees which case and records which event, without a server.
import { describe, expect, it } from 'vitest';
import {
  actorOf,
  DEFAULT_CLAIM_MAPPING,
  identityFromAccessToken,
  identityFromClaims,
  listScope,
  mayDo,
  mayRecord,
  parseRoleMapping,
  partiesOf,
  seesCase,
  type CaseParties,
  type Identity,
  type TaskOwner,
} from '../../service/identity.js';

const parties: CaseParties = {
  employerId: 'wg-001',
  casemanagerEmail: 'anna@arbo.example',
  bedrijfsartsEmail: 'arts@arbo.example',
  team: 'team-noord',
};
const person = (roles: Identity['roles'], extra: Partial<Identity> = {}): Identity => ({
  via: 'session',
  id: 'sub-1',
  name: 'X',
  roles,
  scopes: [],
  ...extra,
});
const owners: Record<string, TaskOwner> = { probleemanalyse: 'bedrijfsarts', ziekmelding: 'werkgever' };
const ownerOf = (task: string) => owners[task];

describe('identity from claims', () => {
  it('maps groups to roles and reads employers and team', () => {
    const identity = identityFromClaims(
      {
        sub: 'u1',
        name: 'Wim',
        email: 'hr@korenschoof.example',
        groups: ['poortwachter-werkgever', 'other-app-admins'],
        employer_ids: ['wg-001', 'wg-002'],
      },
      DEFAULT_CLAIM_MAPPING,
    );
    expect(identity).toEqual({
      via: 'session',
      id: 'u1',
      name: 'Wim',
      email: 'hr@korenschoof.example',
      roles: ['werkgever'],
      scopes: [],
      employers: ['wg-001', 'wg-002'],
    });
    expect(identityFromClaims({ name: 'no subject' }, DEFAULT_CLAIM_MAPPING)).toBeUndefined();
    // A group claim of one string counts as one group; an unknown group gives no role.
    expect(
      identityFromClaims(
        { sub: 'u2', groups: 'cm' },
        { ...DEFAULT_CLAIM_MAPPING, roles: parseRoleMapping('cm=casemanager') },
      )?.roles,
    ).toEqual(['casemanager']);
    expect(identityFromClaims({ sub: 'u3', groups: ['x'] }, DEFAULT_CLAIM_MAPPING)?.roles).toEqual([]);
  });

  it("takes the person's language from the locale claim: English for en, Dutch for nl, else the browser's", () => {
    const lang = (locale?: string) =>
      identityFromClaims({ sub: 'u', ...(locale && { locale }) }, DEFAULT_CLAIM_MAPPING)?.language;
    expect([lang('en-GB'), lang('nl-NL'), lang('de'), lang()]).toEqual(['en', 'nl', undefined, undefined]);
  });

  it('refuses a role mapping that names an unknown role, saying which part', () => {
    expect(parseRoleMapping('a=auditor, b = beheerder')).toEqual({ a: 'auditor', b: 'beheerder' });
    expect(() => parseRoleMapping('a=auditor,b=admin')).toThrow(
      '"b=admin" is not group=role with a role of casemanager',
    );
    expect(() => parseRoleMapping('justagroup')).toThrow('"justagroup"');
  });
});

describe('identity from an access token', () => {
  it("a system's token (client credentials): its known scopes and employers, judged as a system", () => {
    const system = identityFromAccessToken(
      { sub: 'erp', client_id: 'erp', scope: 'cases:read events:write openid admin:all', employer_ids: ['wg-001'] },
      DEFAULT_CLAIM_MAPPING,
    )!;
    expect(system).toEqual({
      via: 'token',
      system: true,
      id: 'erp',
      name: 'erp',
      roles: [],
      scopes: ['cases:read', 'events:write'],
      employers: ['wg-001'],
    });
    expect(mayDo(system, 'case.read')).toBe(true);
    expect(mayDo(system, 'case.open')).toBe(false);
    expect(mayDo(system, 'payload.decode')).toBe(false);
    expect(seesCase(system, parties)).toBe(true);
    expect(seesCase(system, { ...parties, employerId: 'wg-002' })).toBe(false);
    expect(actorOf(system)).toBe('oauth:erp');
    // `scp` as an array (as some providers write it) counts as well.
    expect(identityFromAccessToken({ azp: 'x', scp: ['audit:export'] }, DEFAULT_CLAIM_MAPPING)?.scopes).toEqual([
      'audit:export',
    ]);
  });

  it("a person's token (groups that give roles): judged by their roles, whatever scopes it carries", () => {
    const auditor = identityFromAccessToken(
      { sub: 'dev-auditor', email: 'audit@arbo.example', groups: ['poortwachter-auditor'], scope: 'cases:write' },
      DEFAULT_CLAIM_MAPPING,
    )!;
    expect(auditor).toMatchObject({ via: 'token', id: 'dev-auditor', roles: ['auditor'] });
    expect(mayDo(auditor, 'payload.decode')).toBe(true);
    expect(mayDo(auditor, 'case.open')).toBe(false);
    expect(actorOf(auditor, parties)).toBe('token:audit@arbo.example (auditor)');
    expect(identityFromAccessToken({ scope: 'cases:read' }, DEFAULT_CLAIM_MAPPING)).toBeUndefined();
  });

  it('a person without a role may do nothing, whatever scopes their token carries (not a system)', () => {
    const nobody = identityFromAccessToken(
      { sub: 'user-42', client_id: 'temporal-ui', groups: ['other'], scope: 'cases:read events:write' },
      DEFAULT_CLAIM_MAPPING,
    )!;
    expect(nobody).toMatchObject({ via: 'token', id: 'user-42', roles: [] });
    expect(nobody.system).toBeUndefined();
    expect(mayDo(nobody, 'case.read')).toBe(false);
    expect(mayDo(nobody, 'case.list')).toBe(false);
    expect(seesCase(nobody, parties)).toBe(false);
    expect(listScope(nobody)).toEqual([]);
  });
});

describe('who sees a case', () => {
  it('a person through a role that matches the case; keys within their employers', () => {
    expect(seesCase(person(['casemanager'], { email: 'ANNA@arbo.example' }), parties)).toBe(true);
    expect(seesCase(person(['casemanager'], { email: 'bram@arbo.example' }), parties)).toBe(false);
    expect(seesCase(person(['teamleider'], { team: 'team-noord' }), parties)).toBe(true);
    expect(seesCase(person(['teamleider'], { team: 'team-zuid' }), parties)).toBe(false);
    expect(seesCase(person(['teamleider'], { team: 'team-noord' }), { ...parties, team: undefined })).toBe(false);
    expect(seesCase(person(['bedrijfsarts'], { email: 'arts@arbo.example' }), parties)).toBe(true);
    expect(seesCase(person(['werkgever'], { employers: ['wg-002'] }), parties)).toBe(false);
    expect(seesCase(person(['werkgever']), parties)).toBe(false);
    expect(seesCase(person(['auditor']), parties)).toBe(true);
    expect(seesCase(person([]), parties)).toBe(false);
    const key: Identity = { via: 'api-key', id: 'k', name: 'sys', roles: [], scopes: ['cases:read'] };
    expect(seesCase(key, parties)).toBe(true);
    expect(seesCase({ ...key, employers: ['wg-002'] }, parties)).toBe(false);
  });

  it('an auditor may read and export, never record; a key by its scopes', () => {
    const auditor = person(['auditor']);
    expect(mayDo(auditor, 'audit.export')).toBe(true);
    expect(mayDo(auditor, 'event.record')).toBe(false);
    expect(mayRecord(auditor, parties, { type: 'note' }, ownerOf)).toBe(false);
    const key: Identity = { via: 'api-key', id: 'k', name: 'sys', roles: [], scopes: ['cases:read'] };
    expect(mayDo(key, 'case.read')).toBe(true);
    expect(mayDo(key, 'event.record')).toBe(false);
  });
});

describe('which cases a list shows', () => {
  it('every role its own part, a person with two roles both; auditor, beheerder and an unbound system all', () => {
    expect(listScope(person(['casemanager'], { email: 'anna@arbo.example' }))).toEqual([
      { casemanagerEmail: 'anna@arbo.example' },
    ]);
    expect(listScope(person(['teamleider'], { team: 'team-noord' }))).toEqual([{ team: 'team-noord' }]);
    expect(listScope(person(['bedrijfsarts'], { email: 'arts@arbo.example' }))).toEqual([
      { bedrijfsartsEmail: 'arts@arbo.example' },
    ]);
    expect(listScope(person(['werkgever'], { employers: ['wg-001', 'wg-002'] }))).toEqual([
      { employerId: 'wg-001' },
      { employerId: 'wg-002' },
    ]);
    expect(listScope(person(['casemanager', 'teamleider'], { email: 'tom@arbo.example', team: 'noord' }))).toEqual([
      { casemanagerEmail: 'tom@arbo.example' },
      { team: 'noord' },
    ]);
    // A teamleider without a team claim, a werkgever without employer ids: nothing, not everything.
    expect(listScope(person(['teamleider']))).toEqual([]);
    expect(listScope(person(['werkgever']))).toEqual([]);
    expect(listScope(person(['auditor']))).toBe('all');
    expect(listScope(person(['casemanager', 'beheerder'], { email: 'x@arbo.example' }))).toBe('all');
    const key: Identity = { via: 'api-key', id: 'k', name: 'erp', roles: [], scopes: ['cases:read'] };
    expect(listScope(key)).toBe('all');
    expect(listScope({ ...key, employers: ['wg-001'] })).toEqual([{ employerId: 'wg-001' }]);
  });
});

describe('who records which event', () => {
  it('a reassignment or a stand-in: the casemanager, teamleider and beheerder, never the werkgever or bedrijfsarts', () => {
    const reassign = { type: 'casemanager-changed' };
    expect(mayRecord(person(['teamleider'], { team: 'team-noord' }), parties, reassign, ownerOf)).toBe(true);
    expect(mayRecord(person(['casemanager'], { email: 'anna@arbo.example' }), parties, reassign, ownerOf)).toBe(true);
    expect(mayRecord(person(['werkgever'], { employers: ['wg-001'] }), parties, reassign, ownerOf)).toBe(false);
    expect(
      mayRecord(person(['bedrijfsarts'], { email: 'arts@arbo.example' }), parties, { type: 'stand-in' }, ownerOf),
    ).toBe(false);
  });

  it('a stand-in sees the case as its casemanager during the period', () => {
    const carla = person(['casemanager'], { email: 'carla@arbo.example' });
    expect(seesCase(carla, parties)).toBe(false);
    expect(seesCase(carla, { ...parties, standInEmails: ['Carla@arbo.example'] })).toBe(true);
    const view = {
      ...{
        employer: { id: 'wg-001' },
        casemanager: { email: 'anna@arbo.example' },
        bedrijfsarts: { email: 'arts@arbo.example' },
      },
      standIns: [{ email: 'carla@arbo.example', from: '2026-07-01', until: '2026-07-31' }],
    };
    expect(seesCase(carla, partiesOf({ ...view, asOf: '2026-07-15' }))).toBe(true);
    expect(seesCase(carla, partiesOf({ ...view, asOf: '2026-08-01' }))).toBe(false);
  });

  const arts = person(['bedrijfsarts'], { email: 'arts@arbo.example' });
  const werkgever = person(['werkgever'], { employers: ['wg-001'] });
  it("a bedrijfsarts the bedrijfsarts' tasks only", () => {
    expect(mayRecord(arts, parties, { type: 'task-completed', task: 'probleemanalyse' }, ownerOf)).toBe(true);
    expect(mayRecord(arts, parties, { type: 'task-completed', task: 'ziekmelding' }, ownerOf)).toBe(false);
    expect(mayRecord(arts, parties, { type: 'note' }, ownerOf)).toBe(false);
  });
  it("a werkgever the employer's tasks and events, not the judgements of others", () => {
    expect(mayRecord(werkgever, parties, { type: 'task-completed', task: 'ziekmelding' }, ownerOf)).toBe(true);
    expect(mayRecord(werkgever, parties, { type: 'task-completed', task: 'probleemanalyse' }, ownerOf)).toBe(false);
    expect(mayRecord(werkgever, parties, { type: 'recovered' }, ownerOf)).toBe(true);
    expect(mayRecord(werkgever, parties, { type: 'spoor1-uitzichtloos' }, ownerOf)).toBe(false);
    expect(mayRecord(werkgever, parties, { type: 'loonsanctie' }, ownerOf)).toBe(false);
    expect(mayRecord(werkgever, { ...parties, employerId: 'wg-002' }, { type: 'note' }, ownerOf)).toBe(false);
  });
});
