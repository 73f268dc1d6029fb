// Generates the replay-guard histories under test/histories/: representative cases run through the
// real workflow on a private time-skipping test server, their event histories written as JSON
// (historyToJSON). test/replay-guard.test.ts replays every one of them against the current workflow
// code on each test run, so a change that would break running cases fails CI.
//
//   npm run build && node dist/tools/generate-histories.js [--out dir] [name ...]
//
// Without names it writes every scenario; with names only those (e.g. a new one). Existing files are
// histories of cases "already running in production": do not regenerate them after changing the
// workflow (that would hide the incompatibility they exist to catch). See test/histories/README.md.
//
// The cases live in fixed dates (first sick day Monday 8 January 2024) through the simulation's
// clock offset (see tools/simulate.ts), so a regenerated history tells the same story.
import { freePort } from './free-port.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { NativeConnection, Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { createServer as createHttpServer } from 'node:http';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { parseKeyring } from '../runtime/codec.js';
import { searchKeys } from '../runtime/search-keys.js';
import { DeliveryError, type Mailer } from '../activities/mail.js';
import { caseOpener, parseOpenCase, recordEvent, type CaseClientOptions } from '../client/cases.js';
import { startImport, waitForImport } from '../client/import.js';
import { importWorkflowId } from '../workflows/import-api.js';
import { registerSearchAttributes } from '../runtime/search-attributes.js';
import { startDevServer } from './dev/dev-server.js';
import { bundleWorkflows } from '../runtime/workflow-bundle.js';
import { amsterdamInstant } from '../workflows/calendar/amsterdam-time.js';
import { addDays, type IsoDate } from '../workflows/calendar/index.js';
import { reminderRecipients } from '../workflows/case-messages.js';
import { messageKey } from '../workflows/case-schedule.js';
import { caseWorkflowId, initialFacts, type CaseWorkflowInput, type OpenCaseInput } from '../workflows/case-model.js';
import { projectRoot } from '../runtime/project.js';
import { startTimeSkippingServer } from './test-server.js';

export const HISTORIES_DIR = join(projectRoot, 'test', 'histories');

const D: IsoDate = '2024-01-08';
const day = (n: number) => addDays(D, n);

interface Step {
  /** Days after the first sick day on which the event is recorded (at 09:00 Amsterdam). */
  on: number;
  event: Record<string, unknown>;
}

export interface HistoryScenario {
  name: string;
  description: string;
  extra?: Record<string, unknown>;
  /** Days after the first sick day on which the case is opened (at 08:00): a take-over. Default 0. */
  openOn?: number;
  /** The hour (Amsterdam) at which it is opened; default 8. */
  openHour?: number;
  /** Start as a run continued from an earlier one, with this carried state (see continue-as-new). */
  continued?: (open: OpenCaseInput) => Extract<CaseWorkflowInput, { continued: unknown }>['continued'];
  steps: Step[];
}

const done = (task: string, on: number, extra: Record<string, unknown> = {}): Step => ({
  on,
  event: { type: 'task-completed', task, date: day(on), ...extra },
});

/** Evaluations every 6 weeks from a plan van aanpak on `from`, up to `until` (days after D). */
function evaluations(from: number, until: number): Step[] {
  const steps: Step[] = [];
  for (let on = from + 40; on < until; on += 40) steps.push(done('evaluatie', on));
  return steps;
}

/** A first year done on time, up to an eerstejaarsevaluatie on day `evaluatedOn` (340) with this outcome. */
function firstYear(outcome: string, evaluatedOn = 340): Step[] {
  return [
    done('ziekmelding', 1),
    done('probleemanalyse', 35),
    done('plan-van-aanpak', 45),
    ...evaluations(45, 290),
    done('uwv-42-weken-melding', 292),
    done('eerstejaarsevaluatie', evaluatedOn, { outcome }),
  ];
}

export const SCENARIOS: HistoryScenario[] = [
  {
    name: 'all-on-time',
    description: 'every task done on time, full recovery in week 30, closed 28 days later',
    steps: [
      done('ziekmelding', 1),
      done('probleemanalyse', 35),
      done('plan-van-aanpak', 45),
      ...evaluations(45, 200),
      { on: 203, event: { type: 'recovered', date: day(203) } },
    ],
  },
  {
    name: 'late-with-escalations',
    description: 'probleemanalyse and plan van aanpak late (reminded, escalated), an art. 5 postponement, recovery',
    steps: [
      done('ziekmelding', 3),
      done('probleemanalyse', 52),
      {
        on: 53,
        event: { type: 'task-postponed', task: 'plan-van-aanpak', newDate: day(80), reason: 'werknemer op vakantie' },
      },
      done('plan-van-aanpak', 90),
      { on: 95, event: { type: 'note', text: 'plan van aanpak alsnog ondertekend' } },
      { on: 150, event: { type: 'recovered', date: day(150) } },
    ],
  },
  {
    name: 'samentellen',
    description: 'recovery and a relapse within 28 days: periods added up, deadlines move; then recovery',
    steps: [
      done('ziekmelding', 1),
      done('probleemanalyse', 30),
      { on: 50, event: { type: 'recovered', date: day(50) } },
      { on: 65, event: { type: 'relapsed', date: day(65) } },
      done('plan-van-aanpak', 70),
      { on: 120, event: { type: 'recovered', date: day(120), workPercentage: 50 } },
      { on: 160, event: { type: 'recovered', date: day(160) } },
    ],
  },
  {
    name: 'deskundigenoordeel-after-first-year',
    description:
      'eerstejaarsevaluatie spoor 1 uitzichtloos: deskundigenoordeel requested and received; ziek uit dienst',
    steps: [
      ...firstYear('spoor1-uitzichtloos'),
      {
        on: 375,
        event: {
          type: 'deskundigenoordeel-received',
          date: day(375),
          question: 'geschikt-eigen-werk',
          outcome: 'niet geschikt voor eigen werk',
        },
      },
      { on: 380, event: { type: 'employment-ended', date: day(380), eigenrisicodrager: false } },
    ],
  },
  {
    name: 'loonsanctie',
    description:
      'tasks missed, escalated; UWV imposes a loonsanctie of 12 weeks; runs to the later end of the waiting time',
    steps: [
      done('ziekmelding', 2),
      done('probleemanalyse', 40),
      { on: 650, event: { type: 'loonsanctie', weeks: 12, decisionDate: day(650) } },
    ],
  },
  {
    name: 'continued-as-new',
    description: 'a run continued as new with carried state (sent messages, timeline), then recovery',
    continued: (open) => ({
      open,
      facts: { ...initialFacts(open), completed: { ziekmelding: day(1), probleemanalyse: day(35) } },
      status: 'open',
      sent: [messageKey('reminder', 'probleemanalyse', day(41))],
      timeline: [{ at: new Date(amsterdamInstant(D, 8)).toISOString(), kind: 'opened', actor: 'system' }],
      started: true,
    }),
    steps: [done('plan-van-aanpak', 60), { on: 100, event: { type: 'recovered', date: day(100) } }],
  },
  {
    name: 'cancel-invites-on-close',
    description:
      'reminders with calendar invitations, then the case is closed by hand: the invitations still open are cancelled by e-mail',
    steps: [done('ziekmelding', 1), { on: 37, event: { type: 'case-closed', reason: 'dossier overgedragen' } }],
  },
  {
    name: 'continued-with-invitations',
    description:
      'a run continued as new whose carried state holds an open calendar invitation (probleemanalyse); the task is done, the invitation cancelled by e-mail; recovery',
    continued: (open) => ({
      open,
      facts: { ...initialFacts(open), completed: { ziekmelding: day(1) } },
      status: 'open',
      sent: [messageKey('reminder', 'probleemanalyse', day(41))],
      timeline: [{ at: new Date(amsterdamInstant(D, 8)).toISOString(), kind: 'opened', actor: 'system' }],
      started: true,
      invites: {
        [`${open.caseId}.probleemanalyse@poortwachter`]: {
          task: 'probleemanalyse',
          due: day(41),
          sequence: 0,
          recipients: reminderRecipients(open, 'bedrijfsarts'),
        },
      },
    }),
    steps: [
      done('probleemanalyse', 35),
      done('plan-van-aanpak', 60),
      { on: 100, event: { type: 'recovered', date: day(100) } },
    ],
  },
  {
    name: 'takeover-summary',
    description:
      'a case taken over in week 9 with the probleemanalyse overdue: one take-over summary instead of escalations; then done, recovery',
    openOn: 60,
    extra: { completed: { ziekmelding: day(2) } },
    steps: [
      done('probleemanalyse', 62),
      done('plan-van-aanpak', 70),
      { on: 90, event: { type: 'recovered', date: day(90) } },
    ],
  },
  {
    name: 'takeover-then-escalation-and-reminder',
    description:
      'taken over in week 6 with the ziekmelding overdue (summary); on one morning the probleemanalyse escalates and the first reminder since the take-over (plan van aanpak, 10 working days ahead) goes out after it',
    openOn: 38,
    extra: { reminderPolicy: { 'plan-van-aanpak': { reminderWorkingDaysBefore: 10 } } },
    steps: [
      done('ziekmelding', 39),
      done('probleemanalyse', 45),
      done('plan-van-aanpak', 55),
      { on: 80, event: { type: 'recovered', date: day(80) } },
    ],
  },
  {
    name: 'second-escalation',
    description:
      'the probleemanalyse left open: escalated the working day after its due date, escalated again (supervisor in cc) 10 working days later; then done, recovery',
    steps: [
      done('ziekmelding', 1),
      done('probleemanalyse', 60),
      done('plan-van-aanpak', 70),
      { on: 100, event: { type: 'recovered', date: day(100) } },
    ],
  },
  {
    name: 'delivery-failed',
    description:
      "the casemanager's address is refused for good (550): every message to it is recorded as delivery-failed and reported to operations; closed by hand",
    extra: { casemanager: { name: 'Verhuisd', email: 'verhuisd@weigert.example' } },
    steps: [done('ziekmelding', 1), { on: 10, event: { type: 'case-closed', reason: 'casemanager onbereikbaar' } }],
  },
  {
    name: 'deskundigenoordeel-follow-up',
    description:
      'eerstejaarsevaluatie onduidelijk: deskundigenoordeel requested, no answer after 4 weeks (follow-up e-mail), then received; closed by hand',
    steps: [
      ...firstYear('onduidelijk'),
      {
        on: 375,
        event: {
          type: 'deskundigenoordeel-received',
          date: day(375),
          question: 'geschikt-eigen-werk',
          outcome: 'geschikt voor eigen werk met aanpassingen',
        },
      },
      { on: 380, event: { type: 'case-closed', reason: 'dossier overgedragen' } },
    ],
  },
  {
    name: 'search-team-bedrijfsarts',
    description:
      'a casemanager in a team: every search-attribute update names the team and the bedrijfsarts (patch case-search-team-bedrijfsarts); a late probleemanalyse, recovery',
    extra: { casemanager: { name: 'Casemanager Anna', email: 'anna@arbo.example', team: 'team-noord' } },
    steps: [
      done('ziekmelding', 1),
      done('probleemanalyse', 48),
      done('plan-van-aanpak', 55),
      { on: 90, event: { type: 'recovered', date: day(90) } },
    ],
  },
  {
    name: 'summary-memo',
    description:
      'the memo keeps a summary of the open tasks (patch case-summary-memo), written again when a task is done or postponed; then recovery, closed',
    steps: [
      done('ziekmelding', 2),
      {
        on: 30,
        event: { type: 'task-postponed', task: 'probleemanalyse', newDate: day(50), reason: 'bedrijfsarts ziek' },
      },
      done('probleemanalyse', 48),
      done('plan-van-aanpak', 60),
      { on: 100, event: { type: 'recovered', date: day(100) } },
    ],
  },
  {
    name: 'reassigned',
    description:
      'handed to another casemanager after the probleemanalyse reminder (patch case-reassignment: the invitation cancelled for the old one), a stand-in during the plan van aanpak reminder, a new escalation contact; recovery',
    steps: [
      done('ziekmelding', 2),
      {
        on: 36,
        event: { type: 'casemanager-changed', name: 'Bram de Boer', email: 'bram@arbo.example', from: day(36) },
      },
      { on: 37, event: { type: 'contact-changed', contact: 'werkgever', email: 'p.o@korenschoof.example' } },
      done('probleemanalyse', 40),
      {
        on: 41,
        event: { type: 'stand-in', name: 'Carla', email: 'carla@arbo.example', from: day(45), until: day(60) },
      },
      done('plan-van-aanpak', 58),
      { on: 90, event: { type: 'recovered', date: day(90) } },
    ],
  },
  {
    name: 'refused-recipient',
    description:
      "the casemanager's address refused for good while the bedrijfsarts takes the probleemanalyse reminder: delivered to the one, delivery-failed for the other and reported (patch task-email-refused-recipients); recovery",
    extra: { casemanager: { name: 'Verhuisd', email: 'verhuisd@weigert.example' } },
    steps: [
      done('ziekmelding', 1),
      done('probleemanalyse', 38),
      { on: 45, event: { type: 'recovered', date: day(45) } },
    ],
  },
  {
    name: 'follow-up-after-holiday',
    description:
      "eerstejaarsevaluatie onduidelijk on 4 December 2024: the deskundigenoordeel's follow-up would fall on New Year's Day and goes on 2 January (patch deskundigenoordeel-follow-up-working-day); received, closed by hand",
    steps: [
      ...firstYear('onduidelijk', 331),
      {
        on: 370,
        event: {
          type: 'deskundigenoordeel-received',
          date: day(370),
          question: 'geschikt-eigen-werk',
          outcome: 'geschikt voor eigen werk',
        },
      },
      { on: 372, event: { type: 'case-closed', reason: 'dossier overgedragen' } },
    ],
  },
  {
    name: 'takeover-overdue-only',
    description:
      'taken over in week 8 with the probleemanalyse overdue and the plan van aanpak about to be due: the summary names the probleemanalyse alone, the plan van aanpak gets its own reminder (patch takeover-summary-overdue-only); done, recovery',
    openOn: 50,
    extra: { completed: { ziekmelding: day(2) } },
    steps: [
      done('probleemanalyse', 52),
      done('plan-van-aanpak', 55),
      { on: 70, event: { type: 'recovered', date: day(70) } },
    ],
  },
  {
    name: 'office-hours',
    description:
      "opened on Tuesday 9 January 2024 at 23:00: the ziekmelding's reminder (due Sunday) waits for Wednesday 08:00 (patch task-email-office-hours); done, probleemanalyse done, recovery",
    openOn: 1,
    openHour: 23,
    steps: [
      done('ziekmelding', 3),
      done('probleemanalyse', 35),
      { on: 45, event: { type: 'recovered', date: day(45) } },
    ],
  },
  {
    name: 'invite-moved',
    description:
      'the probleemanalyse reminded with its invitation, then postponed: the calendar entry moves at once (patch task-email-invite-moves), the new reminder moves it again; done, recovery',
    steps: [
      done('ziekmelding', 1),
      {
        on: 37,
        event: { type: 'task-postponed', task: 'probleemanalyse', newDate: day(55), reason: 'bedrijfsarts later' },
      },
      done('probleemanalyse', 52),
      { on: 60, event: { type: 'recovered', date: day(60) } },
    ],
  },
  {
    name: 'webhooks',
    description:
      'every event goes out as a webhook (patch case-webhooks), to a receiver that takes 200 ms to answer, so that events of one moment queue behind a batch on its way; a late probleemanalyse (reminded, overdue, escalated), two events on one day, closed by hand',
    steps: [
      done('ziekmelding', 1),
      { on: 45, event: { type: 'note', text: 'gebeld' } },
      { on: 45, event: { type: 'note', text: 'nogmaals gebeld' } },
      done('probleemanalyse', 46),
      { on: 50, event: { type: 'case-closed', reason: 'einde test' } },
    ],
  },
  {
    name: 'keyed-search-ids',
    description:
      'the searchable identifiers keyed by a local activity (patch case-search-ids-keyed) when the case opens, and again for the new casemanager of a reassignment; recovery',
    steps: [
      done('ziekmelding', 2),
      {
        on: 20,
        event: { type: 'casemanager-changed', name: 'Bram de Boer', email: 'bram@arbo.example', from: day(20) },
      },
      done('probleemanalyse', 40),
      { on: 50, event: { type: 'recovered', date: day(50) } },
    ],
  },
  {
    name: 'digest-summary',
    description:
      'the summary in the memo for the digest (patch case-summary-for-digest): an English casemanager, a postponed plan van aanpak; recovery',
    extra: { casemanager: { name: 'Casemanager Anna', email: 'anna@arbo.example', language: 'en' } },
    steps: [
      done('ziekmelding', 2),
      done('probleemanalyse', 40),
      {
        on: 45,
        event: { type: 'task-postponed', task: 'plan-van-aanpak', newDate: day(70), reason: 'werknemer op vakantie' },
      },
      { on: 75, event: { type: 'recovered', date: day(75) } },
    ],
  },
];

/**
 * E-mails go nowhere: the history records what was sent, not the SMTP conversation. Addresses at
 * weigert.example are refused for good (as an SMTP server answers 550), for the delivery-failure
 * scenarios: a message to them alone fails as a whole, one with other recipients reaches those.
 */
const nullMailer: Mailer = {
  async send(email) {
    const all = [...email.to, ...(email.cc ?? [])];
    const refused = all.filter((a) => a.endsWith('@weigert.example'));
    if (refused.length === all.length) {
      throw new DeliveryError(`550 mailbox unavailable: ${refused.join(', ')}`, true, 550);
    }
    // Some refused, the others taken: as an SMTP server answers RCPT TO one by one.
    return {
      accepted: all.filter((a) => !refused.includes(a)),
      refused: refused.map((address) => ({ address, responseCode: 550, response: '550 mailbox unavailable' })),
    };
  },
  close() {},
};

/** The arbodienst's own addresses, as a worker is configured with them. */
const ACTIVITY_ADDRESSES = {
  supervisorEmail: 'leiding@arbo.example',
  operationsEmail: 'operations@arbo.example',
  // The histories are recorded without a codec; their searchable identifiers are keyed with a fixed key.
  searchKeys: searchKeys(parseKeyring(`histories:${Buffer.alloc(32).toString('base64')}`, 'history generator key')),
};

function sampleOpen(caseId: string, extra: Record<string, unknown> = {}): OpenCaseInput {
  return parseOpenCase({
    caseId,
    employer: { id: 'wg-001', name: 'Bakkerij De Korenschoof', escalationEmail: 'hr@korenschoof.example' },
    employee: { id: 'wn-8f3a', displayName: 'J. de Vries' },
    casemanager: { name: 'Casemanager Anna', email: 'anna@arbo.example' },
    bedrijfsarts: { name: 'Dr. B. Arts', email: 'arts@arbo.example' },
    firstSickDay: D,
    ...extra,
  });
}

export async function generateHistories(
  names: string[] = [],
  outDir: string = HISTORIES_DIR,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<string[]> {
  const chosen = names.length ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  const env = await startTimeSkippingServer({}, log);
  const written: string[] = [];
  try {
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
    const silent = { log() {}, trace() {}, debug() {}, info() {}, warn: log, error: log };
    const workflowBundle = await bundleWorkflows(silent);
    const taskQueue = `histories-${process.pid}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle,
      activities: createActivities({ mailer: nullMailer, ...ACTIVITY_ADDRESSES, webhooks: await slowReceiver() }),
    });
    const cases: CaseClientOptions = { client: env.client, taskQueue };
    await worker.runUntil(async () => {
      await mkdir(outDir, { recursive: true });
      for (const scenario of chosen) {
        const caseId = `guard-${scenario.name}`;
        const open = sampleOpen(caseId, scenario.extra);
        const workflowId = caseWorkflowId(caseId);
        // Scenario time = server time − offset: the case opens at 08:00 on its first sick day, or on
        // the day it is taken over.
        const offset =
          (await env.currentTimeMs()) - amsterdamInstant(day(scenario.openOn ?? 0), scenario.openHour ?? 8);
        const input: CaseWorkflowInput = scenario.continued
          ? { continued: { ...scenario.continued(open), clockOffsetMs: offset } }
          : { open, clockOffsetMs: offset };
        const handle = await env.client.workflow.start('caseWorkflow', {
          taskQueue,
          workflowId,
          args: [input],
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        });
        for (const step of scenario.steps) {
          const target = amsterdamInstant(day(step.on), 9) + offset;
          const now = await env.currentTimeMs();
          if (target > now) await env.sleep(target - now);
          await recordEvent(cases, caseId, { actor: 'casemanager@arbo.example', ...step.event });
        }
        await handle.result(); // the time-skipping client skips time while it waits
        const history = await handle.fetchHistory();
        const file = join(outDir, `${scenario.name}.json`);
        await writeFile(file, `${historyToJSON(history)}\n`);
        written.push(file);
        log(`${scenario.name}: ${history.events?.length ?? 0} events -> ${file}`);
      }
    });
  } finally {
    await env.teardown();
  }
  return written;
}

/**
 * A webhook endpoint on loopback that takes every event after 200 ms (no endpoint is disabled): the
 * histories hold the deliveries as a worker with one configured runs them.
 */
async function slowReceiver(): Promise<ActivityDeps['webhooks']> {
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(204).end(), 200));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  return {
    endpoints: [{ id: 'histories', url: `http://127.0.0.1:${port}/`, secret, disableAfterHours: 72 }],
    registry: { disabled: async () => ({}), disable: async () => undefined },
  };
}

/** The history-length at which the dev server suggests continue-as-new, lowered from 4,096. */
const CONTINUE_AS_NEW_AT = 40;

/**
 * A real continue-as-new, which the time-skipping server never suggests: a case on a private dev
 * server whose suggestion threshold is lowered to 40 events, fed notes until the server suggests it
 * and the workflow continues; then the new run takes a few events. Writes both runs' histories
 * (`<name>-1.json` ends in ContinuedAsNew, `<name>-2.json` is the running continuation). Real time:
 * the case lives on its first sick day, 08:00 onwards, through the clock offset.
 */
export async function generateContinuedByServer(
  outDir: string = HISTORIES_DIR,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  name = 'continued-by-server',
): Promise<string[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'poortwachter-histories-'));
  const logger = pino({ level: 'warn' });
  const server = await startDevServer({
    dataDir,
    port: await freePort(),
    uiPort: await freePort(),
    namespace: 'default',
    logger,
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': CONTINUE_AS_NEW_AT },
  });
  const written: string[] = [];
  try {
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    const silent = { log() {}, trace() {}, debug() {}, info() {}, warn: log, error: log };
    const taskQueue = `histories-${process.pid}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflows(silent),
      activities: createActivities({ mailer: nullMailer, ...ACTIVITY_ADDRESSES }),
    });
    const cases: CaseClientOptions = { client, taskQueue };
    await worker.runUntil(async () => {
      const caseId = `guard-${name}`;
      const workflowId = caseWorkflowId(caseId);
      const offset = Date.now() - amsterdamInstant(D, 8);
      const first = await client.workflow.start('caseWorkflow', {
        taskQueue,
        workflowId,
        args: [{ open: sampleOpen(caseId), clockOffsetMs: offset } satisfies CaseWorkflowInput],
      });
      const actor = 'casemanager@arbo.example';
      let notes = 0;
      for (; notes < 30; notes++) {
        const { runId } = await client.workflow.getHandle(workflowId).describe();
        if (runId !== first.firstExecutionRunId) break;
        await recordEvent(cases, caseId, { type: 'note', actor, text: `gesprek ${notes + 1} gevoerd` }).catch(
          (err: unknown) => {
            // An update that reaches the run as it continues is refused by it; the next goes to the new run.
            if (!(err instanceof Error) || !/continued|completed/i.test(err.message)) throw err;
          },
        );
        await new Promise((r) => setTimeout(r, 200));
      }
      const continued = await client.workflow.getHandle(workflowId).describe();
      if (continued.runId === first.firstExecutionRunId) throw new Error(`no continue-as-new after ${notes} notes`);
      await recordEvent(cases, caseId, { type: 'task-completed', actor, task: 'ziekmelding', date: D });
      await recordEvent(cases, caseId, { type: 'note', actor, text: 'na het doorstarten vastgelegd' });
      for (const [i, runId] of [first.firstExecutionRunId, continued.runId].entries()) {
        const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
        const file = join(outDir, `${name}-${i + 1}.json`);
        await writeFile(file, `${historyToJSON(history)}\n`);
        written.push(file);
        log(`${name} run ${i + 1}: ${history.events?.length ?? 0} events -> ${file}`);
      }
      await client.workflow.getHandle(workflowId).terminate('history recorded');
    });
    await nativeConnection.close();
    await connection.close();
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return written;
}

/**
 * A bulk import through every part of its workflow: 150 records (one refused by the caller's check, one
 * the same case as an earlier record) fed in batches of 25, continuing as new after 30 opened records,
 * on a private time-skipping server. Writes every run's history (`<name>-1.json`, …), oldest first.
 * The cases it opens are not recorded: the case histories above cover them.
 */
export async function generateImportHistories(
  outDir: string = HISTORIES_DIR,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  name = 'import',
): Promise<string[]> {
  const env = await startTimeSkippingServer({}, log);
  const written: string[] = [];
  try {
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
    const silent = { log() {}, trace() {}, debug() {}, info() {}, warn: log, error: log };
    const taskQueue = `histories-${process.pid}`;
    const cases: CaseClientOptions = { client: env.client, taskQueue };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: await bundleWorkflows(silent),
      activities: createActivities({ mailer: nullMailer, ...ACTIVITY_ADDRESSES, caseOpener: caseOpener(cases) }),
    });
    await worker.runUntil(async () => {
      await mkdir(outDir, { recursive: true });
      const records: unknown[] = Array.from({ length: 150 }, (_, i) => sampleOpen(`guard-import-${i}`));
      records[7] = { ...sampleOpen('guard-import-7'), firstSickDay: '2024-02-30' };
      records[41] = sampleOpen('guard-import-12');
      const importId = `guard-${name}`;
      await startImport(cases, records, { importId, source: 'history generator', batchRecords: 25, recordsPerRun: 30 });
      const result = await waitForImport(cases, importId, { intervalMs: 50 });
      if (result.runs < 2) throw new Error(`the import did not continue as new (${result.runs} run)`);
      // Newest run first: each run's first event names the run it continues.
      const runs = [];
      for (let runId: string | undefined; ;) {
        const history = await env.client.workflow.getHandle(importWorkflowId(importId), runId).fetchHistory();
        runs.unshift(history);
        runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
        if (!runId) break;
      }
      for (const [i, history] of runs.entries()) {
        const file = join(outDir, `${name}-${i + 1}.json`);
        await writeFile(file, `${historyToJSON(history)}\n`);
        written.push(file);
        log(`${name} run ${i + 1}: ${history.events?.length ?? 0} events -> ${file}`);
      }
    });
  } finally {
    await env.teardown();
  }
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const outDir = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const take = (name: string) => {
    const at = args.indexOf(name);
    if (at >= 0) args.splice(at, 1);
    return at >= 0;
  };
  const byServer = take('continued-by-server');
  const imports = take('import');
  const run = async () => {
    if ((!byServer && !imports) || args.length > 0) await generateHistories(args, outDir);
    if (byServer) await generateContinuedByServer(outDir);
    if (imports) await generateImportHistories(outDir);
  };
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`generate-histories: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
