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
  /** An iCalendar object (RFC 5545) sent as a text/calendar part with its METHOD. */
  calendar?: { method: 'REQUEST' | 'CANCEL'; content: string };
  /**
   * Deliver to these only (the SMTP envelope), the headers still naming everyone: a retry for the
   * recipients the server refused for now, without a second copy for those who have it.
   */
  envelopeTo?: string[];
}

/** A recipient the SMTP server refused (RCPT TO): 5xx for good, 4xx (or no code) for now. */
export interface RecipientRefusal {
  address: string;
  responseCode?: number;
  /** The server's answer: may quote the address, so it stays in encrypted payloads and e-mails only. */
  response: string;
}

export interface SendResult {
  accepted: string[];
  /** Each recipient refused, with why; empty when every one was taken. */
  refused: RecipientRefusal[];
}

/**
 * Why the SMTP server did not take a message. `permanent`: it said no for good (5xx, an address it
 * refuses) and trying again will not help; otherwise (connection refused, 4xx, time-out) it may
 * work later.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Sorts a nodemailer error into temporary or permanent. */
export function classifyDeliveryError(err: unknown): DeliveryError {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const message = e.response ?? e.message ?? String(err);
  if (typeof e.responseCode === 'number') return new DeliveryError(message, e.responseCode >= 500, e.responseCode);
  // An envelope nodemailer itself refuses (no valid recipient, malformed address) will not improve.
  if (e.code === 'EENVELOPE') return new DeliveryError(message, true);
  return new DeliveryError(message, false);
}

/** nodemailer reports recipients as strings or address objects, depending on how they were given. */
const addresses = (list: unknown[] | undefined) =>
  (list ?? []).map((a) => (typeof a === 'string' ? a : String((a as { address?: string }).address)));

function refusalsOf(errors: unknown[] | undefined): RecipientRefusal[] {
  return (errors ?? []).map((e) => {
    const r = e as { recipient?: string; responseCode?: number; response?: string; message?: string };
    return {
      address: String(r.recipient ?? ''),
      ...(typeof r.responseCode === 'number' && { responseCode: r.responseCode }),
      response: r.response ?? r.message ?? 'refused',
    };
  });
}

/** The address in a From header such as `Poortwachter <poortwachter@localhost>`. */
function addressOf(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from;
}

export interface Mailer {
  /** The From address, also the organizer of calendar invitations. */
  from?: string;
  /** Throws a DeliveryError when the message as a whole was not taken; a refused recipient is in `refused`. */
  send(email: OutgoingEmail): Promise<SendResult>;
  close(): void;
}

/**
 * SMTP sessions per worker, and the worker's activities at a time (worker/worker.ts): equal, so that a
 * message never waits inside the mailer for a free session. Waiting there, an attempt sends no
 * heartbeat; after the heartbeat timeout Temporal would retry it while the first copy still waits to
 * go out. Activities beyond this wait in Temporal's task queue instead, where no timeout runs.
 */
export const SMTP_SESSIONS = 10;

export function createMailer(smtpUrl: string, from: string): Mailer {
  // Pooled: the 08:00 wave sends hundreds of messages, and a new SMTP session costs a connection, a
  // greeting (servers pause before it on purpose: smtp-server 100 ms, Postfix's postscreen seconds)
  // and often TLS. A few long-lived sessions carry them all: no limit on the messages per session
  // (nodemailer's default closes one after 100; a server that wants fewer ends the session, and the
  // pool opens a new one for the next message; `?maxMessages=N` in the URL sets a limit, as URL
  // options win). No re-queueing inside the mailer after a lost connection or a refusal: the
  // activity fails and Temporal's retry policy sends it again (after 10 s, then longer).
  const transport: Transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: SMTP_SESSIONS,
    maxMessages: Infinity,
    maxRequeues: 0,
  });
  return {
    from,
    async send(email) {
      let info;
      try {
        info = await transport.sendMail({
          from,
          to: email.to,
          cc: email.cc,
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId: email.messageId,
          ...(email.envelopeTo && { envelope: { from: addressOf(from), to: email.envelopeTo } }),
          ...(email.calendar && {
            icalEvent: {
              method: email.calendar.method,
              filename: email.calendar.method === 'CANCEL' ? 'cancel.ics' : 'invite.ics',
              content: email.calendar.content,
            },
          }),
        });
      } catch (err) {
        // Every recipient refused (nodemailer's EENVELOPE with their answers): per recipient, not the message.
        const refused = refusalsOf((err as { rejectedErrors?: unknown[] }).rejectedErrors);
        if ((err as { code?: string }).code === 'EENVELOPE' && refused.length > 0) return { accepted: [], refused };
        throw classifyDeliveryError(err);
      }
      return {
        accepted: addresses(info.accepted),
        refused: refusalsOf((info as { rejectedErrors?: unknown[] }).rejectedErrors),
      };
    },
    close() {
      transport.close();
    },
  };
}
