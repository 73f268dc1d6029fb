// Sending e-mail over SMTP. The only place that talks to a mail server.
import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingEmail {
  /** Deterministic, derived from what the message is about, so a resend is recognisable. */
  messageId: string;
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ accepted: string[]; rejected: string[] }>;
  close(): void;
}

export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport: Transporter = nodemailer.createTransport(smtpUrl);
  return {
    async send(email) {
      const info = await transport.sendMail({
        from,
        to: email.to,
        cc: email.cc,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: email.messageId,
      });
      // nodemailer reports recipients as strings or address objects, depending on how they were given.
      const addresses = (list: unknown[] | undefined) =>
        (list ?? []).map((a) => (typeof a === 'string' ? a : String((a as { address?: string }).address)));
      return { accepted: addresses(info.accepted), rejected: addresses(info.rejected) };
    },
    close() {
      transport.close();
    },
  };
}
