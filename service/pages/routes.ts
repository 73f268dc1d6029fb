// The pages for people, beside the API that serves them and behind the same door: a page asks who
// is logged in (a visitor without a session goes through the login and comes back to the page),
// shows only the cases of their roles (any other is "niet gevonden"), offers only the forms their
// role may use, and records through the same client library and schemas as the API. Forms send the
// session's token; every read and change is in the access log.
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  EventNotAllowedError,
  getCase,
  InvalidEventError,
  listCases,
  listCaseSummaries,
  type CaseListEntry,
  type CaseListFilter,
  recordEvent,
  UnknownCaseError,
  type CaseClientOptions,
} from '../../client/cases.js';
import { amsterdamDate } from '../../workflows/calendar/amsterdam-time.js';
import type { IsoDate } from '../../workflows/calendar/index.js';
import type { CaseSummary } from '../../workflows/case-summary.js';
import { scopedFilters } from '../list-scope.js';
import type { CaseView } from '../../workflows/case-api.js';
import { Problem, sendsSessionToken, whoCalls, type Door, type ZodApp } from '../http.js';
import { apiEventSchema, AUDIT_BUNDLE_TYPE } from '../schemas.js';
import {
  actorOf,
  listScope,
  mayDo,
  mayRecord,
  partiesOf,
  seesCase,
  type Identity,
  type TaskOwner,
} from '../identity.js';
import { renderCasePage } from './case-page.js';
import { renderCasesPage, type CasesQuery } from './cases-page.js';
import { chooseEmployerPage, renderTasksPage, taskRows } from './tasks-page.js';
import {
  errorsByField,
  eventFromForm,
  FIELDS,
  FORM_EVENTS,
  NEEDS_CONFIRMATION,
  renderFields,
  type FormEvent,
} from './forms.js';
import { sayRefusal } from './refusals.js';
import { escapeHtml, languageOf, page, WORDS, type Lang, type PageUser } from './html.js';

interface Visitor {
  identity: Identity;
  user: PageUser;
  lang: Lang;
}

const hidden = { schema: { hide: true } };
const caseParams = z.strictObject({ caseId: z.string().min(1).max(64) });
const formParams = caseParams.extend({ event: z.string() });

const ownerIn = (view: CaseView) => (task: string) =>
  view.calendar.milestones.find((m) => m.id === task)?.owner as TaskOwner | undefined;

/**
 * Whose tasks a person's list shows: a bedrijfsarts the bedrijfsarts', a werkgever the employer's
 * (also those shared with the employee); anyone who follows whole cases every task (undefined).
 */
function ownersOf(identity: Identity): string[] | undefined {
  if (identity.roles.some((r) => r !== 'bedrijfsarts' && r !== 'werkgever')) return undefined;
  return identity.roles.map((r) => (r === 'bedrijfsarts' ? 'bedrijfsarts' : 'werkgever'));
}

/** Whether the person may record an event of this type (for this task) on this case. */
function recorder(identity: Identity, view: CaseView) {
  const parties = partiesOf(view);
  return (type: string, task?: string) => mayRecord(identity, parties, { type, ...(task && { task }) }, ownerIn(view));
}

/** The forms a person may use on this case, and the tasks they may record as done. */
function allowedOn(identity: Identity, view: CaseView): { forms: FormEvent[]; doableTasks: string[] } {
  if (view.status === 'closed') return { forms: [], doableTasks: [] };
  const may = recorder(identity, view);
  const open = view.calendar.milestones.filter((m) => m.isTask && ['open', 'overdue', 'postponed'].includes(m.status));
  const doableTasks = open.filter((m) => may('task-completed', m.id)).map((m) => m.id);
  const awaitingOpinion = view.deskundigenoordeel !== undefined && !view.deskundigenoordeel.receivedOn;
  const forms = (Object.keys(FORM_EVENTS) as FormEvent[]).filter((type) =>
    type === 'task-completed'
      ? doableTasks.length > 0
      : type === 'deskundigenoordeel-received'
        ? awaitingOpinion && may(type)
        : may(type),
  );
  return { forms, doableTasks };
}

export interface PageDeps {
  cases: CaseClientOptions;
  door: Door;
  /** The Amsterdam date the statuses are judged on (a test's pinned day); default the real one. */
  today?: () => string;
  /** The signed audit bundle of one case, as `audit verify` reads it. */
  bundle: (caseId: string) => Promise<string>;
}

export function pageRoutes(app: ZodApp, deps: PageDeps): void {
  const { cases, door } = deps;
  const today = deps.today ?? (() => amsterdamDate(Date.now()));
  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').send(body);

  // A page's error is a page too (not the API's problem+json): what went wrong in words, never a
  // stack trace; an unexpected one is logged.
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const lang = request.identity?.language ?? languageOf(request.headers['accept-language']);
    const nl = lang === 'nl';
    const status = err instanceof Problem ? err.status : err.validation ? 400 : (err.statusCode ?? 500);
    if (status >= 500) request.log.error({ err }, 'page failed');
    const [title, text] =
      status === 400
        ? nl
          ? ['Onjuist adres', 'Dit adres klopt niet (bijvoorbeeld een te lang zaaknummer).']
          : ['Wrong address', 'This address is not right (for example a case id that is too long).']
        : status === 429
          ? nl
            ? ['Even geduld', 'Te veel verzoeken achter elkaar; probeer het over een minuut opnieuw.']
            : ['Please wait', 'Too many requests in a row; try again in a minute.']
          : status === 503
            ? nl
              ? ['Niet bereikbaar', 'Een onderdeel is nu niet bereikbaar; probeer het later opnieuw.']
              : ['Unavailable', 'A part of the service cannot be reached now; try again later.']
            : nl
              ? ['Er ging iets mis', 'De pagina kon niet worden getoond; dit is gelogd.']
              : ['Something went wrong', 'The page could not be shown; this has been logged.'];
    return html(
      reply,
      status,
      page({
        lang,
        title,
        body: `<h1>${title}</h1><p>${text}</p><p><a href="/taken">${nl ? 'Mijn taken' : 'My tasks'}</a></p>`,
      }),
    );
  });

  /** The logged-in person, or undefined after sending them to the login (or refusing a system). */
  async function visitor(request: FastifyRequest, reply: FastifyReply): Promise<Visitor | undefined> {
    const lang = languageOf(request.headers['accept-language']);
    let caller;
    try {
      caller = await whoCalls(door, request);
    } catch (err) {
      if (err instanceof Problem && err.status === 401 && door.sessions) {
        await reply.redirect(`/auth/login?returnTo=${encodeURIComponent(request.url)}`, 303);
        return undefined;
      }
      throw err;
    }
    if (caller.csrf === undefined) {
      // A key or token on a page: the pages are for people; systems use the API.
      html(reply, 403, page({ lang, title: 'Forbidden', body: '<h1>Forbidden</h1><p>Use the API (/api/v1).</p>' }));
      return undefined;
    }
    const { identity } = caller;
    request.identity = identity;
    // The person's own language (their profile at the provider) before the browser's.
    const language = identity.language ?? lang;
    return { identity, lang: language, user: { name: identity.name, roles: identity.roles, csrf: caller.csrf } };
  }

  /** The case as this person may see it; a case outside their roles is as absent as a missing one. */
  async function visibleCase(v: Visitor, caseId: string): Promise<CaseView | undefined> {
    try {
      const view = await getCase(cases, caseId, { asOf: today() });
      return seesCase(v.identity, partiesOf(view)) ? view : undefined;
    } catch (err) {
      if (err instanceof UnknownCaseError) return undefined;
      throw err;
    }
  }

  const notFound = (reply: FastifyReply, v: Visitor, caseId: string) => {
    const t = WORDS[v.lang];
    return html(
      reply,
      404,
      page({
        lang: v.lang,
        title: t.notFound,
        user: v.user,
        body: `<h1>${t.notFound}</h1><p>${escapeHtml(t.notFoundText(caseId))}</p><p><a href="/zaken">${v.lang === 'nl' ? 'Zaak zoeken' : 'Find a case'}</a></p>`,
      }),
    );
  };

  app.get('/', hidden, async (_request, reply) => reply.redirect('/taken', 303));

  app.get(
    '/taken',
    {
      schema: {
        hide: true,
        querystring: z.looseObject({
          werkgever: z.string().optional(),
          taak: z.string().optional(),
          'te-laat': z.string().optional(),
        }),
      },
    },
    async (request, reply) => {
      const v = await visitor(request, reply);
      if (!v) return reply;
      request.access = { action: 'case.list' };
      const { identity } = v;
      const q = request.query;
      // An auditor or beheerder sees every case of the arbodienst: their list waits for an employer.
      if (listScope(identity) === 'all' && !q.werkgever) {
        const title = v.lang === 'nl' ? 'Mijn taken' : 'My tasks';
        return html(reply, 200, page({ lang: v.lang, title, user: v.user, body: chooseEmployerPage(v.lang) }));
      }
      // One visibility call per part of the person's scope (one for a casemanager): the open tasks
      // come from the cases' summaries, never from a query per case.
      const found = new Map<string, { caseId: string; summary?: CaseSummary }>();
      for (const filter of scopedFilters(identity, { running: true }))
        for (const c of await listCaseSummaries(cases, filter)) found.set(c.caseId, c);
      const all = [...found.values()];
      const owners = ownersOf(identity);
      const filter = {
        ...(q.werkgever && { employer: q.werkgever }),
        ...(q.taak && { task: q.taak }),
        ...(q['te-laat'] === 'ja' && { lateOnly: true }),
        ...(owners && { owners }),
      };
      const day = today() as IsoDate;
      const everything = taskRows(all, day, owners ? { owners } : {});
      const rows = taskRows(all, day, filter);
      const employers = [...new Map(everything.map((r) => [r.employer.id, r.employer])).values()];
      const tasks = [...new Map(everything.map((r) => [r.task, { id: r.task, title: r.title }])).values()];
      const recordAll = identity.roles.some((r) => r === 'casemanager' || r === 'teamleider' || r === 'beheerder');
      const body = renderTasksPage(rows, {
        lang: v.lang,
        today: day,
        filter,
        choices: { employers, tasks },
        perCasemanager: identity.roles.includes('teamleider'),
        withoutSummary: all.filter((c) => !c.summary).length,
        mayRecord: (row) => recordAll || (owners ?? []).some((o) => row.owner.split('+').includes(o)),
      });
      const title = v.lang === 'nl' ? 'Mijn taken' : 'My tasks';
      return html(reply, 200, page({ lang: v.lang, title, user: v.user, body }));
    },
  );

  app.get(
    '/zaken',
    {
      schema: {
        hide: true,
        querystring: z.looseObject({
          id: z.string().optional(),
          werkgever: z.string().optional(),
          casemanager: z.string().optional(),
          status: z.string().optional(),
          'te-laat': z.string().optional(),
          pagina: z.string().optional(),
        }),
      },
    },
    async (request, reply) => {
      const v = await visitor(request, reply);
      if (!v) return reply;
      const r = request.query;
      const id = r.id?.trim();
      if (id) return reply.redirect(`/zaken/${encodeURIComponent(id)}`, 303);
      const status = (['open', 'hersteld', 'closed'] as const).find((s) => s === r.status);
      const q: CasesQuery = {
        ...(r.werkgever?.trim() && { employer: r.werkgever.trim() }),
        ...(r.casemanager?.trim() && { casemanager: r.casemanager.trim() }),
        ...(status && { status }),
        ...(r['te-laat'] === 'ja' && { lateOnly: true }),
        page: Math.max(1, Number.parseInt(r.pagina ?? '1', 10) || 1),
      };
      const title = v.lang === 'nl' ? 'Zaken' : 'Cases';
      // Only a list when something is asked: an arbodienst has tens of thousands of cases.
      const asked = Boolean(q.employer || q.casemanager || q.status || q.lateOnly);
      let found: CaseListEntry[] = [];
      if (asked && mayDo(v.identity, 'case.list')) {
        request.access = { action: 'case.list' };
        const filter: CaseListFilter = {
          ...(q.employer && { employerId: q.employer }),
          ...(q.casemanager && { casemanagerEmail: q.casemanager }),
          ...(q.status && { status: q.status }),
          ...(q.lateOnly && { overdue: true }),
        };
        const all = new Map<string, CaseListEntry>();
        for (const f of scopedFilters(v.identity, filter))
          for (const c of await listCases(cases, f)) all.set(c.caseId, c);
        found = [...all.values()].sort(
          (a, b) =>
            (a.nextDeadline ?? '9999').localeCompare(b.nextDeadline ?? '9999') || a.caseId.localeCompare(b.caseId),
        );
      }
      const body = renderCasesPage(found, q, v.lang, asked);
      return html(reply, 200, page({ lang: v.lang, title, user: v.user, body }));
    },
  );

  app.get('/zaken/:caseId', { schema: { hide: true, params: caseParams } }, async (request, reply) => {
    const v = await visitor(request, reply);
    if (!v) return reply;
    const { caseId } = request.params;
    request.access = { action: 'case.read', caseId };
    const view = await visibleCase(v, caseId);
    if (!view) return notFound(reply, v, caseId);
    const body = renderCasePage(view, {
      lang: v.lang,
      ...allowedOn(v.identity, view),
      ...(mayDo(v.identity, 'audit.export') && { bundleCsrf: v.user.csrf }),
    });
    return html(reply, 200, page({ lang: v.lang, title: `${WORDS[v.lang].case} ${caseId}`, user: v.user, body }));
  });

  /** The form page: empty, prefilled with a task, or again with the values entered and the errors. */
  function formPage(
    v: Visitor,
    view: CaseView,
    type: FormEvent,
    values: Record<string, unknown>,
    errors: Record<string, string>,
    problem?: string,
  ): string {
    const t = WORDS[v.lang];
    const name = FORM_EVENTS[type][v.lang];
    const base = `/zaken/${encodeURIComponent(view.caseId)}`;
    // Only the tasks this person may record (a bedrijfsarts the bedrijfsarts', a werkgever the employer's).
    const mayTask = recorder(v.identity, view);
    const tasks = view.calendar.milestones.filter((m) => !m.isTask || mayTask(type, m.id));
    const fields = renderFields(type, v.lang, tasks, values, errors);
    // A repeated submit (back, and save again) is recorded once: the key is the case's update id.
    const once = typeof values._eenmaal === 'string' ? values._eenmaal : randomUUID();
    const confirm = NEEDS_CONFIRMATION.includes(type)
      ? `<label for="bevestig"><input type="checkbox" id="bevestig" name="bevestig" value="ja" required> ${t.confirm}</label>`
      : '';
    const summary = problem
      ? `<div class="problem" role="alert"><p>${escapeHtml(problem)}</p></div>`
      : Object.keys(errors).length
        ? `<div class="problem" role="alert"><p>${t.fixErrors}</p></div>`
        : '';
    const failed = problem !== undefined || Object.keys(errors).length > 0;
    return page({
      lang: v.lang,
      title: `${failed ? (v.lang === 'nl' ? 'Fout: ' : 'Error: ') : ''}${name} · ${view.caseId}`,
      user: v.user,
      body: `<p><a href="${base}">← ${t.case} ${escapeHtml(view.caseId)}</a></p>
<h1>${escapeHtml(name)}</h1><p>${t.recordTitle} ${escapeHtml(view.caseId)} (${escapeHtml(view.employee.displayName)})</p>
${summary}
<form method="post" action="${base}/vastleggen/${type}" class="record" novalidate>
<input type="hidden" name="_csrf" value="${escapeHtml(v.user.csrf)}">
<input type="hidden" name="_eenmaal" value="${escapeHtml(once)}">
${fields}
${confirm}
<p><button type="submit">${t.save}</button> <a href="${base}">${t.cancel}</a></p>
</form>`,
    });
  }

  /** The case and the form type, when the person may use that form on that case. */
  async function formContext(
    request: FastifyRequest<{ Params: { caseId: string; event: string } }>,
    reply: FastifyReply,
  ) {
    const v = await visitor(request, reply);
    if (!v) return undefined;
    const { caseId, event } = request.params;
    const view = await visibleCase(v, caseId);
    if (!view) return void notFound(reply, v, caseId);
    const type = event as FormEvent;
    if (!(event in FORM_EVENTS) || !allowedOn(v.identity, view).forms.includes(type)) {
      const nl = v.lang === 'nl';
      html(
        reply,
        403,
        page({
          lang: v.lang,
          title: nl ? 'Niet toegestaan' : 'Not allowed',
          user: v.user,
          body: `<h1>${nl ? 'Niet toegestaan' : 'Not allowed'}</h1><p>${
            nl ? 'Uw rol mag dit niet vastleggen in deze zaak.' : 'Your role may not record this in this case.'
          }</p><p><a href="/zaken/${encodeURIComponent(caseId)}">${WORDS[v.lang].case} ${escapeHtml(caseId)}</a></p>`,
        }),
      );
      return undefined;
    }
    return { v, view, type };
  }

  app.get(
    '/zaken/:caseId/vastleggen/:event',
    { schema: { hide: true, params: formParams, querystring: z.looseObject({ taak: z.string().optional() }) } },
    async (request, reply) => {
      request.access = { action: 'case.read', caseId: request.params.caseId };
      const context = await formContext(request, reply);
      if (!context) return reply;
      const { v, view, type } = context;
      const today = view.asOf;
      const asked = request.query.taak;
      const stillOpen = view.calendar.milestones.some(
        (m) => m.id === asked && m.isTask && ['open', 'overdue', 'postponed'].includes(m.status),
      );
      // A link from an older e-mail may name a task that is done by now: say so, and choose nothing.
      const notice =
        asked && !stillOpen
          ? v.lang === 'nl'
            ? 'Deze taak staat niet meer open (al vastgelegd, of niet van toepassing). Kies hieronder wat u wilt vastleggen.'
            : 'This task is no longer open (recorded already, or not applicable). Choose below what to record.'
          : undefined;
      const values = { ...(stillOpen && { task: asked }), date: today };
      return html(reply, 200, formPage(v, view, type, values, {}, notice));
    },
  );

  app.post(
    '/zaken/:caseId/vastleggen/:event',
    { schema: { hide: true, params: formParams, body: z.record(z.string(), z.unknown()) } },
    async (request, reply) => {
      request.access = { action: 'event.record', caseId: request.params.caseId };
      const context = await formContext(request, reply);
      if (!context) return reply;
      const { v, view, type } = context;
      if (!sendsSessionToken(request, v.user.csrf)) {
        const nl = v.lang === 'nl';
        return html(
          reply,
          403,
          page({
            lang: v.lang,
            title: nl ? 'Verlopen formulier' : 'Expired form',
            user: v.user,
            body: `<h1>${nl ? 'Verlopen formulier' : 'Expired form'}</h1><p>${
              nl ? 'Open het formulier opnieuw en probeer het nog eens.' : 'Open the form again and try once more.'
            }</p>`,
          }),
        );
      }
      const values = request.body;
      if (NEEDS_CONFIRMATION.includes(type) && values.bevestig !== 'ja') {
        const message = v.lang === 'nl' ? 'Bevestig eerst dat u dit wilt.' : 'Confirm first that you want this.';
        return html(reply, 400, formPage(v, view, type, values, {}, message));
      }
      // The same schema as the API's: each field at fault is named next to it.
      const shaped = apiEventSchema.safeParse(eventFromForm(type, values));
      if (!shaped.success) {
        const issues = shaped.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        return html(reply, 400, formPage(v, view, type, values, errorsByField(type, issues, v.lang)));
      }
      // The task sent must be one this person may record, not only the kind of form.
      const event = shaped.data as { type: string; task?: string };
      if (!mayRecord(v.identity, partiesOf(view), event, ownerIn(view))) {
        const said = v.lang === 'nl' ? 'Uw rol mag deze taak niet vastleggen.' : 'Your role may not record this task.';
        const errors: Record<string, string> = event.task ? { task: said } : {};
        return html(reply, 403, formPage(v, view, type, values, errors, event.task ? undefined : said));
      }
      const key =
        typeof values._eenmaal === 'string' && /^[\w-]{1,64}$/.test(values._eenmaal) ? values._eenmaal : undefined;
      try {
        await recordEvent(
          cases,
          view.caseId,
          { ...shaped.data, actor: actorOf(v.identity, partiesOf(view)) },
          key ? { updateId: `page-${v.identity.id}-${key}` } : {},
        );
      } catch (err) {
        // The law's rules (a date in the future, a relapse after the case ended) or the case's state,
        // said in the person's language, next to the field it is about.
        if (err instanceof InvalidEventError || err instanceof EventNotAllowedError) {
          const said = sayRefusal(err.message, v.lang);
          const onField = said.field !== undefined && FIELDS[type].some((f) => f.name === said.field);
          const errors = onField ? { [said.field!]: said.text } : {};
          return html(reply, 422, formPage(v, view, type, values, errors, onField ? undefined : said.text));
        }
        throw err;
      }
      return reply.redirect(`/zaken/${encodeURIComponent(view.caseId)}#tijdlijn`, 303);
    },
  );

  // The auditor's download: the case's signed bundle, saved as a file (a form, so it works without
  // JavaScript; POST, as an export is logged like a change).
  app.post('/zaken/:caseId/auditbundel', { schema: { hide: true, params: caseParams } }, async (request, reply) => {
    const v = await visitor(request, reply);
    if (!v) return reply;
    const { caseId } = request.params;
    request.access = { action: 'audit.export', caseId };
    const view = await visibleCase(v, caseId);
    if (!view || !mayDo(v.identity, 'audit.export')) return notFound(reply, v, caseId);
    if (!sendsSessionToken(request, v.user.csrf))
      return html(reply, 403, page({ lang: v.lang, title: 'Forbidden', user: v.user, body: '<h1>Forbidden</h1>' }));
    return reply
      .type(AUDIT_BUNDLE_TYPE)
      .header('content-disposition', `attachment; filename="auditbundel-${caseId.replace(/[^\w.-]/g, '_')}.jsonl"`)
      .send(await deps.bundle(caseId));
  });

  app.get('/uitgelogd', hidden, async (request, reply) => {
    const lang = languageOf(request.headers['accept-language']);
    const nl = lang === 'nl';
    return html(
      reply,
      200,
      page({
        lang,
        title: nl ? 'Uitgelogd' : 'Logged out',
        body: `<h1>${nl ? 'U bent uitgelogd' : 'You are logged out'}</h1><p><a href="/auth/login?returnTo=/zaken">${
          nl ? 'Opnieuw inloggen' : 'Log in again'
        }</a></p>`,
      }),
    );
  });
}
