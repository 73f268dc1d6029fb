// `poortwachter digest --casemanager <e-mail> [--date YYYY-MM-DD] [--dry-run]`: a casemanager's
// daily digest on demand. Without --dry-run it runs the digest workflow for that casemanager (the same
// path as the 08:00 Schedule, so a digest goes out at most once per casemanager and day); with
// --dry-run it only prints what the digest holds.
import { z } from 'zod';
import { digestNotification, renderNotification } from '../activities/notifications.js';
import { collectDigests } from '../activities/digest.js';
import { amsterdamDate } from '../workflows/calendar/amsterdam-time.js';
import { givenDateProblem, isWorkingDay } from '../workflows/calendar/index.js';
import { digestMessageId, type DigestWorkflowInput, type DigestWorkflowResult } from '../workflows/digest-workflow.js';
import { caseReader } from '../client/cases.js';
import { configOrExit, withClient } from './connect.js';
import { CliError, EXIT_FAILURE, EXIT_OK, type Io } from './io.js';
import { runCommand } from './program.js';

export interface DigestOptions {
  casemanager?: string;
  date?: string;
  dryRun?: boolean;
}

export async function runDigest(options: DigestOptions, io: Io): Promise<number> {
  const email = options.casemanager;
  if (email === undefined) throw new CliError('--casemanager <e-mail> is required');
  if (!z.email().safeParse(email.trim()).success) {
    throw new CliError(`--casemanager must be an e-mail address, not "${email}"`);
  }
  const date = options.date ?? amsterdamDate(Date.now());
  const problem = givenDateProblem(date);
  if (problem) throw new CliError(`--date ${problem}`);
  const workingDay = isWorkingDay(date);

  if (options.dryRun) {
    const [key, digest] = await withClient(async (client, config) => {
      const cases = caseReader({ client, taskQueue: config.taskQueue });
      const ids = cases.casemanagerIds(email);
      const [found] = await collectDigests(cases, date, { casemanagerKey: ids[0]!, casemanagerIds: ids });
      return [ids[0]!, found] as const;
    });
    if (!workingDay) io.stdout.write(`note: ${date} is not a working day; the daily digest is not sent on it\n`);
    if (!digest) {
      io.stdout.write(`nothing overdue or due in the next 10 working days for ${email} on ${date}: no digest\n`);
      return EXIT_OK;
    }
    const config = configOrExit();
    const { subject, text } = renderNotification(
      digestNotification(digest, digestMessageId(key, date)),
      config.templatesDir,
      { publicUrl: config.publicUrl },
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
      workflowId: `digest-request-${date}-${Date.now().toString(36)}`,
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

/** `poortwachter digest <args>`; errors are thrown (usage errors as CliError), not written. */
export function digestCommand(args: string[], io: Io): Promise<number> {
  return runCommand(['digest'], args, io, { rethrow: true });
}
