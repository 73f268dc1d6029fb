// The activities: every side effect of a case happens here, never in workflow code.
import type { Mailer, OutgoingEmail } from './mail.js';

export interface ActivityDeps {
  mailer: Mailer;
}

export function createActivities({ mailer }: ActivityDeps) {
  return {
    async sendEmail(email: OutgoingEmail): Promise<{ accepted: string[] }> {
      const { accepted } = await mailer.send(email);
      return { accepted };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
