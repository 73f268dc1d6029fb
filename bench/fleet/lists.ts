// Phase 4, lists under concurrent users, over HTTP against `poortwachter serve`: the task list page
// (/taken) of the desk casemanager (about 300 cases), with a login session the bench seals with the
// service's session key (no identity provider is asked: the page only opens the session cookie), and
// the API's case list of the same casemanager (GET /api/v1/cases, an API key per caller). Each against
// the bare visibility list of the same query from this process, at the same concurrency.
import { randomBytes } from 'node:crypto';
import { listPlan, type CaseListFilter } from '../../client/cases.js';
import { searchKeysOf } from '../../runtime/search-keys.js';
import { SESSION_COOKIE, SessionSealer } from '../../service/session.js';
import { serviceCall, underLoad, type Latencies } from './callers.js';
import type { FleetContext, Service } from './context.js';
import type { PartCost } from './meter.js';
import { casemanagerEmail, casemanagersOf, DESK_CASEMANAGER } from './records.js';

/** Requests of the one-user measurement. */
const ALONE_REQUESTS = 20;

export interface ListSide extends Latencies {
  cost: PartCost;
}

export interface ListFigures {
  casemanager: string;
  /** The casemanager's cases in the fleet (the burst's cases go to the others). */
  cases: number;
  /** /taken, over HTTP with a login session. */
  taken: ListSide;
  takenBaseline: ListSide;
  /** The same with one user at a time: what a list costs when nobody waits for the others'. */
  takenAlone: ListSide;
  takenAloneBaseline: ListSide;
  /** GET /api/v1/cases?casemanager=…, over HTTP with API keys. */
  caseList: ListSide;
  caseListBaseline: ListSide;
}

export async function runLists(ctx: FleetContext, requests: number, callers: number): Promise<ListFigures> {
  const service = await ctx.service();
  const email = casemanagerEmail(DESK_CASEMANAGER);
  const cases = casemanagersOf(ctx.state.plan).filter((k) => k === DESK_CASEMANAGER).length;
  const cookie = `${SESSION_COOKIE}=${await deskSession(service, email)}`;
  const measure = async (
    what: string,
    call: (caller: number) => Promise<void>,
    bench = false,
    [count, users] = [requests, callers],
  ): Promise<ListSide> => {
    const part = ctx.part({ service: () => service.child.pid, ...(bench && { bench: () => process.pid }) });
    const latencies = await underLoad(
      count,
      users,
      (_, caller) => call(caller),
      (done) => ctx.log(`lists: ${what} ${done}/${count}`),
    );
    ctx.log(
      `lists: ${what} p50 ${latencies.latencyMs.p50} ms, p99 ${latencies.latencyMs.p99} ms, ${latencies.errors} errors`,
      true,
    );
    return { ...latencies, cost: part.stop() };
  };
  const keys = searchKeysOf(ctx.client.options.loadedDataConverter.payloadCodecs);
  // The visibility queries the page and the API run for this casemanager (service/list-scope.ts
  // scopedFilters, client/cases.ts listPlan), each execution's memo decoded as the client does.
  const list = async (filter: CaseListFilter) => {
    for (const query of listPlan(filter, keys).queries)
      for await (const execution of ctx.client.workflow.list({ query })) void execution.memo;
  };
  const taken = (caller: number) => serviceCall(service, '/taken', caller, { headers: { cookie } });
  const takenList = () => list({ casemanagerEmail: email, running: true });
  const alone: [number, number] = [Math.min(ALONE_REQUESTS, requests), 1];
  return {
    casemanager: email,
    cases,
    taken: await measure('/taken', taken),
    takenBaseline: await measure('/taken baseline', takenList, true),
    takenAlone: await measure('/taken alone', taken, false, alone),
    takenAloneBaseline: await measure('/taken baseline alone', takenList, true, alone),
    caseList: await measure('case list', (caller) =>
      serviceCall(service, `/api/v1/cases?casemanager=${encodeURIComponent(email)}&limit=500`, caller),
    ),
    caseListBaseline: await measure('case list baseline', () => list({ casemanagerEmail: email }), true),
  };
}

/** A casemanager's login session, sealed as the service's login callback seals one. */
function deskSession(service: Service, email: string): Promise<string> {
  return new SessionSealer(service.sessionKey).sealSession({
    identity: { via: 'session', id: email, name: email, email, roles: ['casemanager'], scopes: [] },
    csrf: randomBytes(24).toString('base64url'),
  });
}
