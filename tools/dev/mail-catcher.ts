// The dev mail inbox: MailDev catches every e-mail the worker sends and shows it in a browser.
// Messages are kept in the data folder, so the inbox survives a restart like the cases do.
import { join } from 'node:path';
import { MailDev } from 'maildev';

export interface MailCatcher {
  smtpUrl: string;
  inboxUrl: string;
  stop(): Promise<void>;
}

export async function startMailCatcher(options: {
  dataDir: string;
  smtpPort: number;
  webPort: number;
}): Promise<MailCatcher> {
  const maildev = new MailDev({
    smtp: options.smtpPort,
    web: options.webPort,
    ip: '127.0.0.1',
    webIp: '127.0.0.1',
    mailDirectory: join(options.dataDir, 'mail'),
    silent: true,
  });
  try {
    await maildev.start();
  } catch (err) {
    throw new Error(
      `the mail catcher could not start on SMTP port ${options.smtpPort} / web port ${options.webPort} ` +
        `(${(err as Error).message}); choose other ports with MAIL_SMTP_PORT and MAIL_WEB_PORT`,
    );
  }
  return {
    smtpUrl: `smtp://127.0.0.1:${options.smtpPort}`,
    inboxUrl: `http://localhost:${options.webPort}`,
    stop: () => maildev.stop(),
  };
}
