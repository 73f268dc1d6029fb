// `poortwachter digest --casemanager <e-mail> [--date YYYY-MM-DD] [--dry-run]`: a casemanager's
// daily digest on demand. Without --dry-run it runs the digest workflow for that casemanager (the same
// path as the 08:00 Schedule, so a digest goes out at most once per casemanager and day); with
// --dry-run it only prints what the digest holds.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { digestNotification, renderNotification } from '../activities/notifications.js';
import { collectDigests } from '../activities/digest.js';
import { amsterdamDate } from '../workflows/calendar/amsterdam-time.js';
import { isoDateProblem, isWorkingDay } from '../workflows/calendar/index.js';
import { casemanagerKey } from '../workflows/case-model.js';
import { digestMessageId, type DigestWorkflowInput, type DigestWorkflowResult } from '../workflows/digest-workflow.js';
import { caseReader } from '../client/cases.js';
import { configOrExit, withClient } from './connect.js';
import { CliError, EXIT_FAILURE, EXIT_OK, type Io } from './io.js';

const USAGE = `Usage:
  poortwachter digest --casemanager <e-mail> [--date YYYY-MM-DD] [--dry-run]

Sends the casemanager's digest (overdue tasks and tasks due in the next 10 working days, across all
their open cases) now, once per day; the same digest the 08:00 schedule sends on working days.
  --date      the day of the digest (default: today in Amsterdam)
  --dry-run   print the digest instead of sending it
`;

export async function digestCommand(args: string[], io: Io): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { casemanager: { type: 'string' }, date: { type: 'string' }, 'dry-run': { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const email = values.casemanager;
  if (email === undefined) throw new CliError(`--casemanager <e-mail> is required\n\n${USAGE}`);
  if (!z.email().safeParse(email.trim()).success) {
    throw new CliError(`--casemanager must be an e-mail address, not "${email}"`);
  }
  const date = values.date ?? amsterdamDate(Date.now());
  const problem = isoDateProblem(date);
  if (problem) throw new CliError(`--date ${problem}`);
  const key = casemanagerKey(email);
  const workingDay = isWorkingDay(date);

  if (values['dry-run']) {
    const [digest] = await withClient((client, config) =>
      collectDigests(caseReader({ client, taskQueue: config.taskQueue }), date, { casemanagerKey: key }),
    );
    if (!workingDay) io.stdout.write(`note: ${date} is not a working day; the daily digest is not sent on it\n`);
    if (!digest) {
      io.stdout.write(`nothing overdue or due in the next 10 working days for ${email} on ${date}: no digest\n`);
      return EXIT_OK;
    }
    const config = configOrExit();
    const { subject, text } = renderNotification(
      digestNotification(digest, digestMessageId(key, date)),
      config.templatesDir,
    );
    io.stdout.write(
      `To: ${digest.casemanager.email}\nSubject: ${subject}\nMessage-ID: ${digestMessageId(key, date)}\n\n${text}`,
    );
    return EXIT_OK;
  }

  if (!workingDay) {
    throw new CliError(
      `${date} is not a working day: no digest is sent on it (use --dry-run to see the list)`,
      EXIT_FAILURE,
    );
  }
  const result = await withClient(async (client, config) => {
    const input: DigestWorkflowInput = { date, casemanager: email.trim() };
    return client.workflow.execute<(i: DigestWorkflowInput) => Promise<DigestWorkflowResult>>('digestWorkflow', {
      taskQueue: config.taskQueue,
      workflowId: `digest-request-${key}-${date}-${Date.now().toString(36)}`,
      args: [input],
    });
  });
  const sent = result.digests[0];
  if (!sent || sent.outcome === 'nothing-due') {
    io.stdout.write(`nothing overdue or due in the next 10 working days for ${email} on ${date}: no e-mail sent\n`);
  } else if (sent.outcome === 'already-sent') {
    io.stdout.write(
      `the digest of ${date} for ${email} was already handled today (sent as ${sent.messageId}, ` +
        'if anything was due); it goes out at most once per day. Use --dry-run to see the current list.\n',
    );
  } else {
    io.stdout.write(
      `sent the digest of ${date} to ${sent.to}: ${sent.overdue} overdue, ${sent.upcoming} due soon ` +
        `(Message-ID ${sent.messageId})\n`,
    );
  }
  return EXIT_OK;
}
