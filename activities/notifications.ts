// The e-mails a case sends, from the structured notification the workflow hands over. Rendering
// lives here, outside workflow code, so wording can change without touching case histories.
// Dutch by default: casemanagers read these.
import type { Language } from '../workflows/case-model.js';
import { OWNER_NAMES as OWNER } from '../workflows/calendar/owner-names.js';
import type {
  CalendarInvitation,
  CaseNotification,
  DeskundigenoordeelRequest,
  Digest,
  DigestItem,
  DigestNotification,
  Notification,
  NotificationTask,
} from '../workflows/contract.js';
import { deadlineCalendar } from './icalendar.js';
import type { Mailer, SendResult } from './mail.js';
import { renderMessage, type RenderedMessage, type TemplateData } from './templates.js';

/** The daily digest as a notification: one message to the casemanager, in their language. */
export function digestNotification(digest: Digest, messageId: string): DigestNotification {
  return { messageId, kind: 'digest', to: [digest.casemanager.email], language: digest.language, digest };
}

function digestTemplateData(d: Digest, language: Language, links: Links): TemplateData {
  const items = (list: DigestItem[]) =>
    list.map((i) => ({
      caseId: i.caseId,
      employeeName: i.employeeName,
      employerName: i.employerName,
      ...taskView(i.task, i.caseId, language, links),
    }));
  const section = (list: DigestItem[]) => (list.length > 0 ? { count: list.length, items: items(list) } : undefined);
  return {
    casemanagerName: d.casemanager.name,
    date: formatDate(d.date, language),
    overdue: section(d.overdue),
    upcoming: section(d.upcoming),
    overdueCount: d.overdue.length,
    upcomingCount: d.upcoming.length,
  };
}

/** English task names; the Dutch ones come from the calendar. */
const TITLE_EN: Record<string, string> = {
  ziekmelding: 'Sick report',
  probleemanalyse: 'Problem analysis (probleemanalyse)',
  'plan-van-aanpak': 'Plan of action (plan van aanpak)',
  evaluatie: 'Evaluation of the plan of action',
  'uwv-42-weken-melding': '42-week report to UWV',
  eerstejaarsevaluatie: 'First-year evaluation',
  'start-tweede-spoor': 'Start of the second track (spoor 2)',
  'wia-brief-ontvangen': "UWV's WIA letter received",
  'riv-kopie-werknemer': 'Copies of the re-integration report to the employee',
  'actueel-oordeel': "Company doctor's current judgement",
  eindevaluatie: 'Final evaluation',
  'wia-aanvraag': 'WIA application',
};

/** The legal basis in English, the law's names kept in Dutch; the Dutch text comes from the calendar. */
const LEGAL_BASIS_EN: Record<string, string> = {
  ziekmelding:
    'Wet verbetering poortwachter: the employer reports the absence to the arbodienst or company doctor within the first week (expert assistance, Arbeidsomstandighedenwet)',
  probleemanalyse:
    "Regeling procesgang eerste en tweede ziektejaar: problem analysis with the company doctor's advice on the possibilities of returning to work, by week 6",
  'plan-van-aanpak':
    'Regeling procesgang eerste en tweede ziektejaar: plan of action at the latest two weeks after the problem analysis (week 8), naming the casemanager; art. 7:658a and 7:660a BW',
  evaluatie:
    'Regeling procesgang eerste en tweede ziektejaar: periodic evaluation and, where needed, adjustment of the plan of action, at least every six weeks',
  'uwv-42-weken-melding':
    'Ziektewet art. 38: report of long-term incapacity to UWV on the first working day after week 42 (working days as the Algemene termijnenwet counts them)',
  eerstejaarsevaluatie:
    'Regeling procesgang eerste en tweede ziektejaar: first-year evaluation in week 52 (from week 46), deciding on spoor 1 and spoor 2',
  'start-tweede-spoor':
    'Art. 7:658a BW: re-integration with another employer once a return to the own work is no longer to be expected, at the latest six weeks after the first-year evaluation, unless an exception is recorded',
  'wia-brief-ontvangen':
    'WIA: UWV sends its letter on the WIA application in week 88; check it arrived by the end of week 88',
  'riv-kopie-werknemer':
    'WIA art. 25: the employee receives a copy of the documents of the re-integration report, by week 91',
  'actueel-oordeel':
    "WIA art. 25 / Regeling procesgang: the company doctor's current judgement for the re-integration report, not older than three months at the application, by week 91",
  eindevaluatie:
    'Regeling procesgang eerste en tweede ziektejaar: final evaluation by employer and employee for the re-integration report, by week 91',
  'wia-aanvraag':
    'WIA (art. 25 for the re-integration report): the employee applies for the WIA benefit at the latest 11 weeks before the end of the waiting time (week 93); the employer provides the re-integration report',
};

export function formatDate(iso: string, language: Language = 'nl'): string {
  if (language === 'en') return iso;
  const [y, m, d] = iso.split('-');
  return `${d}-${m}-${y}`;
}

export function recordCommand(caseId: string, taskId: string, language: Language = 'nl'): string {
  return `npx poortwachter case record ${caseId} task-completed --task ${taskId} --date ${language === 'en' ? 'YYYY-MM-DD' : 'JJJJ-MM-DD'}`;
}

/**
 * Where a person acts on a case: the service's pages (POORTWACHTER_PUBLIC_URL). The link holds no
 * secret; a click without a session goes through the login and lands on the page.
 */
export interface Links {
  publicUrl: string;
}

export const caseLink = (links: Links, caseId: string) => `${links.publicUrl}/zaken/${encodeURIComponent(caseId)}`;

/** The form that records the task as done, with the task chosen. */
export const taskLink = (links: Links, caseId: string, taskId: string) =>
  `${caseLink(links, caseId)}/vastleggen/task-completed?taak=${encodeURIComponent(taskId)}`;

export const DEFAULT_LINKS: Links = { publicUrl: 'http://localhost:3000' };

export function taskView(task: NotificationTask, caseId: string, language: Language, links: Links = DEFAULT_LINKS) {
  return {
    id: task.id,
    title: language === 'en' ? (TITLE_EN[task.id] ?? task.title) : task.title,
    due: formatDate(task.due, language),
    owner: OWNER[language][task.owner] ?? task.owner,
    legalBasis: language === 'en' ? (LEGAL_BASIS_EN[task.id] ?? task.legalBasis) : task.legalBasis,
    link: taskLink(links, caseId, task.id),
    record: recordCommand(caseId, task.id, language),
  };
}

/** The values the templates of a case message see. */
export function templateData(n: Notification, links: Links = DEFAULT_LINKS): TemplateData {
  const language = n.language ?? 'nl';
  // The fields a kind needs are checked, not trusted: a malformed input must not fail every retry.
  if (n.kind === 'digest') {
    if (!n.digest) throw new Error(`digest notification ${n.messageId} has no digest`);
    return digestTemplateData(n.digest, language, links);
  }
  if (n.kind === 'webhook-disabled') {
    const e = n.endpoint;
    return { endpoint: { ...e, gone: e.reason === 'gone', since: e.since.replace('T', ' ').slice(0, 16) + ' UTC' } };
  }
  const tasks = n.tasks.map((t) => taskView(t, n.caseId, language, links));
  return {
    caseId: n.caseId,
    employeeName: n.employeeName,
    employerName: n.employerName,
    task: tasks[0],
    tasks,
    count: tasks.length,
    several: tasks.length !== 1,
    request: n.kind === 'deskundigenoordeel-request' ? n.request : undefined,
    failure:
      n.kind === 'delivery-failed' && n.failure
        ? { ...n.failure, recipients: (n.failure.recipients ?? []).join(', ') }
        : undefined,
    caseLink: caseLink(links, n.caseId),
    receivedCommand: `npx poortwachter case record ${n.caseId} deskundigenoordeel-received --date ${language === 'en' ? 'YYYY-MM-DD' : 'JJJJ-MM-DD'} --question <vraag> --outcome <uitkomst>`,
  };
}

export function renderNotification(n: Notification, templatesDir?: string, links?: Links): RenderedMessage {
  return renderMessage(n.kind, n.language ?? 'nl', templateData(n, links), templatesDir);
}

export async function sendNotification(
  mailer: Mailer,
  n: Notification,
  templatesDir?: string,
  links: Links = DEFAULT_LINKS,
  envelopeTo?: string[],
): Promise<{ messageId: string } & SendResult> {
  const { subject, text, html } = renderNotification(n, templatesDir, links);
  const calendar =
    (n.kind === 'reminder' || n.kind === 'calendar-cancel' || n.kind === 'calendar-update') && n.calendar
      ? { method: n.calendar.method, content: invitation(mailer, n, n.calendar, subject, text, links) }
      : undefined;
  const result = await mailer.send({
    messageId: n.messageId,
    to: n.to,
    cc: n.cc,
    subject,
    text,
    html,
    calendar,
    ...(envelopeTo && { envelopeTo }),
  });
  return { messageId: n.messageId, ...result };
}

function invitation(
  mailer: Mailer,
  n: CaseNotification,
  c: CalendarInvitation,
  subject: string,
  text: string,
  links: Links,
): string {
  const task = n.tasks[0];
  if (!task) throw new Error(`a calendar invitation needs a task (${n.messageId})`);
  return deadlineCalendar({
    url: taskLink(links, n.caseId, task.id),
    uid: c.uid,
    sequence: c.sequence,
    method: c.method,
    due: task.due,
    summary: subject,
    description: text,
    organizer: mailer.from ?? 'poortwachter@localhost',
    attendees: [...n.to, ...(n.cc ?? [])],
    stamp: new Date(),
  });
}

const BECAUSE_NL: Record<string, string> = {
  'eerstejaarsevaluatie-spoor1-uitzichtloos':
    'bij de eerstejaarsevaluatie is vastgesteld dat terugkeer in het eigen werk (spoor 1) niet haalbaar is',
  'eerstejaarsevaluatie-onduidelijk': 'bij de eerstejaarsevaluatie is niet duidelijk of spoor 1 nog perspectief biedt',
  'start-tweede-spoor-overdue': 'het tweede spoor is niet op tijd gestart',
};

/** What UWV needs for a deskundigenoordeel on spoor 1 versus spoor 2 (domain.md). */
export function prepareDeskundigenoordeel(because: string): DeskundigenoordeelRequest {
  return {
    because: BECAUSE_NL[because] ?? because,
    question: 'Is de werknemer geschikt voor het eigen werk, en zo niet: is het aangeboden of gezochte werk passend?',
    documents: [
      'probleemanalyse en het meest recente advies van de bedrijfsarts',
      'plan van aanpak met alle bijstellingen',
      'verslag van de eerstejaarsevaluatie',
      'de functieomschrijving van het eigen werk',
    ],
    signers: ['werkgever (of werknemer, als die de aanvraag doet)'],
  };
}
