// The activities: every side effect of a case happens here, never in workflow code.
import type { Mailer } from './mail.js';
import {
  prepareDeskundigenoordeel,
  sendNotification,
  type DeskundigenoordeelRequest,
  type Notification,
} from './notifications.js';

export interface ActivityDeps {
  mailer: Mailer;
}

export function createActivities({ mailer }: ActivityDeps) {
  return {
    /** Renders and sends one notification; its Message-ID is fixed by the workflow. */
    async notify(notification: Notification): Promise<{ messageId: string; accepted: string[] }> {
      return sendNotification(mailer, notification);
    },
    /** The request for a deskundigenoordeel: the question, the documents UWV asks for, who signs. */
    async prepareDeskundigenoordeelRequest(because: string): Promise<DeskundigenoordeelRequest> {
      return prepareDeskundigenoordeel(because);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
