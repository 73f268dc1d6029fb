// The webhook endpoints of an arbodienst's systems, from the file POORTWACHTER_WEBHOOKS_FILE names
// (docs/webhooks.md shows one). Checked when the worker starts: a mistake stops it with the file, the
// endpoint and the field named, instead of failing deliveries later.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../workflows/contract.js';

/** Hosts that may be reached over plain http: this machine (a receiver next to the worker, tests). */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const secret = z
  .string()
  .regex(
    /^whsec_[A-Za-z0-9+/]+={0,2}$/,
    'must be whsec_ followed by the key in base64 (`poortwachter webhooks secret`)',
  )
  .refine((s) => {
    const bytes = Buffer.from(s.slice('whsec_'.length), 'base64').length;
    return bytes >= 24 && bytes <= 64;
  }, 'must hold a key of 24 to 64 bytes');

const endpointSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (at most 63)'),
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .refine((u) => u.startsWith('https://') || LOOPBACK.has(new URL(u).hostname), {
      error: 'must use https (plain http only to localhost)',
    })
    .refine((u) => !new URL(u).username && !new URL(u).password, {
      error: 'must not hold a user name or password (the signature is the credential; a URL shows in reports)',
    }),
  secret,
  /** Only these types; all of them when absent. */
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).optional(),
  /** Only the cases of these employers; all of them when absent. */
  employers: z.array(z.string().min(1)).min(1).optional(),
  /** An endpoint that takes nothing for this long is disabled and reported. */
  disableAfterHours: z.number().int().min(1).max(720).default(72),
});

const fileSchema = z.strictObject({
  endpoints: z.array(endpointSchema).superRefine((endpoints, ctx) => {
    const seen = new Set<string>();
    endpoints.forEach((e, i) => {
      if (seen.has(e.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `"${e.id}" appears twice` });
      seen.add(e.id);
    });
  }),
});

export type WebhookEndpoint = z.infer<typeof endpointSchema>;

export class WebhooksConfigError extends Error {
  override name = 'WebhooksConfigError';
}

/** The endpoints in `text`; `source` names the file in errors. */
export function parseWebhookEndpoints(text: string, source: string): WebhookEndpoint[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new WebhooksConfigError(`${source}: is not valid JSON (${(err as Error).message})`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new WebhooksConfigError(`${source}: ${issues.join('; ')}`);
  }
  return parsed.data.endpoints;
}

/** The configured endpoints; none without a file. */
export function loadWebhookEndpoints(file: string | undefined): WebhookEndpoint[] {
  if (!file) return [];
  return parseWebhookEndpoints(readFileSync(file, 'utf8'), file);
}
