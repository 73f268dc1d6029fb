// The e-mails a case sends, from the structured notification the workflow hands over. Rendering
// lives here, outside workflow code, so wording can change without touching case histories.
// Dutch by default: casemanagers read these.
import type { Mailer } from './mail.js';

export type NotificationKind =
  'reminder' | 'escalation' | 'takeover-summary' | 'deskundigenoordeel-request' | 'deskundigenoordeel-reminder';

export interface NotificationTask {
  id: string;
  title: string;
  due: string;
  owner: string;
  legalBasis: string;
  status: string;
}

export interface DeskundigenoordeelRequest {
  question: string;
  documents: string[];
  signers: string[];
  because: string;
}

export interface Notification {
  /** Deterministic: the same notification always carries the same Message-ID. */
  messageId: string;
  kind: NotificationKind;
  to: string[];
  cc?: string[];
  caseId: string;
  employeeName: string;
  employerName: string;
  tasks: NotificationTask[];
  request?: DeskundigenoordeelRequest;
}

const OWNER_NL: Record<string, string> = {
  werkgever: 'werkgever',
  werknemer: 'werknemer',
  'werkgever+werknemer': 'werkgever en werknemer',
  bedrijfsarts: 'bedrijfsarts',
  casemanager: 'casemanager',
};

function formatDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}-${m}-${y}`;
}

function taskLines(task: NotificationTask, caseId: string): string[] {
  return [
    `- ${task.title} (${task.id})`,
    `  Uiterlijk: ${formatDate(task.due)}   Wie: ${OWNER_NL[task.owner] ?? task.owner}`,
    `  Wettelijke basis: ${task.legalBasis}`,
    `  Vastleggen als gedaan: npx poortwachter case record ${caseId} task-completed --task ${task.id} --date JJJJ-MM-DD`,
  ];
}

export function renderNotification(n: Notification): { subject: string; text: string } {
  const first = n.tasks[0];
  const who = `${n.employeeName} (${n.employerName})`;
  const tasks = n.tasks.flatMap((t) => taskLines(t, n.caseId));
  switch (n.kind) {
    case 'reminder':
      return {
        subject: `[${n.caseId}] ${first?.title}: uiterlijk ${formatDate(first?.due ?? '')}`,
        text: [`Herinnering voor het verzuimdossier van ${who}.`, '', 'Deze taak moet binnenkort af:', ...tasks].join(
          '\n',
        ),
      };
    case 'escalation':
      return {
        subject: `[${n.caseId}] TE LAAT: ${first?.title} (was uiterlijk ${formatDate(first?.due ?? '')})`,
        text: [
          `De volgende taak in het verzuimdossier van ${who} is niet op tijd afgerond.`,
          'Een te late stap kan bij de WIA-aanvraag tot een loonsanctie leiden. Rond de taak zo snel mogelijk af:',
          '',
          ...tasks,
        ].join('\n'),
      };
    case 'takeover-summary':
      return {
        subject: `[${n.caseId}] Overgenomen dossier: ${n.tasks.length} ${n.tasks.length === 1 ? 'taak vraagt' : 'taken vragen'} aandacht`,
        text: [
          `Het verzuimdossier van ${who} is overgenomen in Poortwachter.`,
          'Deze taken zijn te laat of bijna te laat (één bericht in plaats van losse escalaties):',
          '',
          ...tasks,
        ].join('\n'),
      };
    case 'deskundigenoordeel-request':
    case 'deskundigenoordeel-reminder': {
      const r = n.request;
      const reminder = n.kind === 'deskundigenoordeel-reminder';
      return {
        subject: reminder
          ? `[${n.caseId}] Nog geen deskundigenoordeel ontvangen (4 weken na de aanvraag)`
          : `[${n.caseId}] Vraag een deskundigenoordeel aan bij UWV`,
        text: [
          reminder
            ? `Vier weken geleden is een deskundigenoordeel voor ${who} voorbereid, maar er is nog geen oordeel vastgelegd.`
            : `Voor het verzuimdossier van ${who} is een deskundigenoordeel van UWV aangewezen.`,
          ...(r
            ? [
                '',
                `Aanleiding: ${r.because}`,
                `Vraag aan UWV: ${r.question}`,
                'Mee te sturen stukken:',
                ...r.documents.map((d) => `- ${d}`),
                `Ondertekening: ${r.signers.join(', ')}`,
              ]
            : []),
          '',
          `Vastleggen na ontvangst: npx poortwachter case record ${n.caseId} deskundigenoordeel-received --date JJJJ-MM-DD --question <vraag> --outcome <uitkomst>`,
        ].join('\n'),
      };
    }
  }
}

export async function sendNotification(
  mailer: Mailer,
  n: Notification,
): Promise<{ messageId: string; accepted: string[] }> {
  const { subject, text } = renderNotification(n);
  const { accepted } = await mailer.send({ messageId: n.messageId, to: n.to, cc: n.cc, subject, text });
  return { messageId: n.messageId, accepted };
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
