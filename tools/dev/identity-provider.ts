// The local OpenID provider of `npm run dev` and the tests: oidc-provider on loopback with the dev
// users (tools/dev/dev-users.json), so that a login runs offline exactly as against the arbodienst's
// provider in production: authorization code with PKCE, a signed ID token with the person's groups,
// employer ids and team. Its login page is ours (Dutch, checks the password); oidc-provider's own
// development login accepts anyone and loads fonts from the internet. With a `resource` (the service's
// identifier) it also hands out access tokens for the API as signed JWTs: to systems by OAuth2 client
// credentials (with the scopes they ask and the claims their client is given, such as employer ids),
// and to people who log in asking for that resource (with their groups, as a Temporal Web UI with
// login would pass along).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type Configuration } from 'oidc-provider';
import { z } from 'zod';
import { projectRoot } from '../../runtime/project.js';
import { SCOPES } from '../../service/api-keys.js';

const userSchema = z.strictObject({
  sub: z.string().min(1),
  password: z.string().min(1),
  name: z.string().min(1),
  email: z.email(),
  groups: z.array(z.string()),
  employer_ids: z.array(z.string()).optional(),
  team: z.string().optional(),
  /** `en` for an English-speaking user (the pages follow it); Dutch otherwise. */
  locale: z.string().optional(),
});
export type DevUser = z.infer<typeof userSchema>;

export const DEV_USERS_FILE = join(projectRoot, 'tools', 'dev', 'dev-users.json');

export function readDevUsers(file = DEV_USERS_FILE): DevUser[] {
  return z.object({ users: z.array(userSchema) }).parse(JSON.parse(readFileSync(file, 'utf8'))).users;
}

export interface IdentityProviderClient {
  clientId: string;
  clientSecret: string;
  /** Where a login may return to (none for a system's client). */
  redirectUris?: string[];
  /** Default `['authorization_code']`; a system's client: `['client_credentials']`. */
  grantTypes?: ('authorization_code' | 'client_credentials')[];
  /** Claims put in this client's client-credentials tokens, e.g. `{ employer_ids: ['wg-001'] }`. */
  tokenClaims?: Record<string, unknown>;
}

export interface IdentityProviderOptions {
  /** 0: a free port. */
  port: number;
  users?: DevUser[];
  clients: IdentityProviderClient[];
  /** The API's identifier (the `aud` of its access tokens); without it, no access tokens for the API. */
  resource?: string;
}

export interface RunningIdentityProvider {
  issuer: string;
  close(): Promise<void>;
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
label{display:block;margin-top:1rem}input{font:inherit;width:100%;padding:.4rem}button{font:inherit;margin-top:1.5rem;padding:.5rem 1.5rem}
.fout{color:#a00;font-weight:bold}table{border-collapse:collapse;margin-top:2rem;font-size:.9rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}</style>
</head><body><main>${body}</main></body></html>`;
}

function loginPage(uid: string, users: DevUser[], error?: string, email = ''): string {
  const rows = users
    .map(
      (u) =>
        `<tr><td>${escape(u.email)}</td><td>${escape(u.password)}</td><td>${escape(u.groups.join(', '))}</td></tr>`,
    )
    .join('');
  return page(
    'Inloggen (lokale identiteitsprovider)',
    `<h1>Inloggen</h1>
<p>Lokale identiteitsprovider voor ontwikkeling en tests.</p>
${error ? `<p class="fout" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="email">E-mailadres</label><input id="email" name="email" type="email" autocomplete="username" required value="${escape(email)}">
<label for="password">Wachtwoord</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Inloggen</button>
</form>
<table><caption>Ontwikkelgebruikers (openbaar, nooit in productie)</caption><tr><th>E-mailadres</th><th>Wachtwoord</th><th>Groepen</th></tr>${rows}</table>`,
  );
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

export async function startIdentityProvider(options: IdentityProviderOptions): Promise<RunningIdentityProvider> {
  const users = options.users ?? readDevUsers();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  // 127.0.0.1, not localhost: the issuer is compared exactly, and localhost may resolve to ::1.
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'dev-es256', use: 'sig', alg: 'ES256' };
  const configuration: Configuration = {
    clients: options.clients.map((c) => {
      const grantTypes = c.grantTypes ?? ['authorization_code'];
      const login = grantTypes.includes('authorization_code');
      return {
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: c.redirectUris ?? [],
        grant_types: grantTypes,
        response_types: login ? ['code'] : [],
        token_endpoint_auth_method: 'client_secret_basic',
      };
    }),
    jwks: { keys: [signingKey] },
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'groups', 'employer_ids', 'team', 'locale'],
      email: ['email'],
    },
    // The claims of the granted scopes go into the ID token, where the service reads the roles.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: options.resource !== undefined },
      resourceIndicators: {
        enabled: true,
        // A system that names no resource gets a token for the API (the one resource there is).
        defaultResource: async (_ctx, client, oneOf) =>
          oneOf ?? (client?.grantTypeAllowed('client_credentials') ? options.resource : undefined),
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (options.resource === undefined || indicator !== options.resource) throw new errors.InvalidTarget();
          return { scope: SCOPES.join(' '), audience: indicator, accessTokenFormat: 'jwt', accessTokenTTL: 600 };
        },
      },
    },
    // What the service reads from an access token: a system's employers, a person's groups and team.
    async extraTokenClaims(_ctx, token) {
      if (token.kind === 'ClientCredentials') {
        return options.clients.find((c) => c.clientId === token.clientId)?.tokenClaims;
      }
      const user = 'accountId' in token ? users.find((u) => u.sub === token.accountId) : undefined;
      if (!user) return undefined;
      const { password: _password, sub: _sub, ...claims } = user;
      return claims;
    },
    pkce: { required: () => true },
    // Lifetimes of its own artifacts, in seconds: a login form lives 10 minutes, the provider's session
    // a working day (the service keeps its own session in its cookie).
    ttl: {
      Interaction: 600,
      Session: 36_000,
      Grant: 36_000,
      AuthorizationCode: 60,
      AccessToken: 600,
      ClientCredentials: 600,
      IdToken: 600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const user = users.find((u) => u.sub === sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          const { password: _password, ...claims } = user;
          return claims;
        },
      };
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page(
        'Fout bij inloggen',
        `<h1>Fout bij inloggen</h1><p>${escape(String(out.error_description ?? out.error))}</p>`,
      );
    },
  };
  const provider = new Provider(issuer, configuration);
  const handle = provider.callback();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer);
    const interaction = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
    if (!interaction) return void handle(req, res);
    interact(req, res, interaction[2] !== undefined).catch((err: unknown) => {
      res.statusCode = 400;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(page('Fout bij inloggen', `<h1>Fout bij inloggen</h1><p>${escape((err as Error).message)}</p>`));
    });
  });

  async function interact(req: IncomingMessage, res: ServerResponse, submitted: boolean): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const html = (status: number, body: string) => {
      res.statusCode = status;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(body);
    };
    if (details.prompt.name === 'login') {
      if (!submitted || req.method !== 'POST') return html(200, loginPage(details.uid, users));
      const form = await readForm(req);
      const email = form.get('email') ?? '';
      const user = users.find((u) => u.email.toLowerCase() === email.toLowerCase());
      if (!user || user.password !== form.get('password'))
        return html(401, loginPage(details.uid, users, 'Onbekend e-mailadres of onjuist wachtwoord.', email));
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.sub } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    // Consent: the service is the arbodienst's own application; its scopes are granted without asking.
    const grant = new provider.Grant({
      accountId: details.session!.accountId,
      clientId: String(details.params.client_id),
    });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
      grant.addResourceScope(resource, scopes.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
