// A real SMTP server on loopback that keeps every message it accepts, parsed: the mail box of
// `simulate` and of the tests (which can also make it refuse on purpose).
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message as the sink kept it: parsed, and the recipients of its SMTP envelope (who got it). */
export type SunkMail = ParsedMail & { envelopeTo: string[] };

export interface SmtpSink {
  url: string;
  messages: SunkMail[];
  close(): Promise<void>;
}

/** A refusal: an SMTP reply code (4xx temporary, 5xx permanent) and its text. */
export interface SmtpRefusal {
  code: number;
  message: string;
}

export interface SmtpSinkOptions {
  /** Refuse a recipient (RCPT TO) with this reply, or accept it (undefined). */
  refuseRecipient?: (address: string) => SmtpRefusal | undefined;
  /** Refuse a message after its data arrived (not kept), or accept it (undefined). */
  refuseMessage?: (mail: ParsedMail) => SmtpRefusal | undefined;
  /** Called after a message was accepted and kept. */
  onAccepted?: (mail: ParsedMail) => void;
}

function smtpError({ code, message }: SmtpRefusal): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SunkMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // On close, a mailer's pooled session still open (a worker that is gone) is dropped after a second
    // instead of smtp-server's 30.
    closeTimeout: 1000,
    onRcptTo(address, _session, callback) {
      const refusal = options.refuseRecipient?.(address.address);
      callback(refusal && smtpError(refusal));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const mail = Object.assign(parsed, { envelopeTo: session.envelope.rcptTo.map((r) => r.address) });
          const refusal = options.refuseMessage?.(mail);
          if (refusal) return callback(smtpError(refusal));
          messages.push(mail);
          callback();
          options.onAccepted?.(mail);
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
