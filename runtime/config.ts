// Configuration from environment variables, validated once at start-up.
//
// Every process (worker, CLI, dev supervisor) reads the same variables through this module, so a
// docker-compose file, a shell and a test all speak one language. docs/operations.md documents each one;
// test/config.test.ts checks that the docker-compose worker sets only variables defined here.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** The time zones whose 08:00 the workflow can compute without a time-zone database (EU rule). */
export const SUPPORTED_TIME_ZONES = ['Europe/Amsterdam'] as const;

const boolFromString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const existingFile = z
  .string()
  .min(1)
  .refine((p) => existsSync(p), { error: 'file does not exist' });

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const hostPort = z.string().regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, 'must be host:port, for example localhost:7233');

/**
 * Cases kept in a worker's memory between their workflow tasks. A sleeping case needs none: an
 * evicted case is replayed from its history when it wakes. The SDK's own default grows with the
 * machine's memory (hundreds of cases at more than 1 MB each); this keeps a worker's memory bounded,
 * whatever the number of open cases (bench/: the idle fleet).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

/** The variables, their defaults, and what docs/operations.md says about them. */
const envShape = z.object({
  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('poortwachter'),
  TEMPORAL_TLS: boolFromString.optional(),
  TEMPORAL_TLS_CA: existingFile.optional(),
  TEMPORAL_TLS_CERT: existingFile.optional(),
  TEMPORAL_TLS_KEY: existingFile.optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL, for example smtp://localhost:1025' })
    .optional(),
  MAIL_FROM: z.string().min(3).default('Poortwachter <poortwachter@localhost>'),
  POORTWACHTER_TIME_ZONE: z
    .enum(SUPPORTED_TIME_ZONES, { error: `must be one of: ${SUPPORTED_TIME_ZONES.join(', ')}` })
    .default('Europe/Amsterdam'),
  POORTWACHTER_DATA_DIR: z.string().min(1).default('.data'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  MAIL_SMTP_PORT: port.default(1025),
  MAIL_WEB_PORT: port.default(1080),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  POORTWACHTER_KEYS_FILE: existingFile.optional(),
  POORTWACHTER_KEYS: z.string().min(1).optional(),
  POORTWACHTER_CODEC_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  POORTWACHTER_CODEC_CORS_ORIGIN: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) origin, for example http://localhost:8233' })
    .optional(),
  POORTWACHTER_CODEC_PORT: port.default(8888),
  POORTWACHTER_TEMPLATES_DIR: z
    .string()
    .min(1)
    .refine((p) => existsSync(p), { error: 'folder does not exist' })
    .optional(),
  POORTWACHTER_SUPERVISOR_EMAIL: z.email({ error: 'must be an e-mail address' }).optional(),
  POORTWACHTER_OPERATIONS_EMAIL: z.email({ error: 'must be an e-mail address' }).optional(),
  POORTWACHTER_WEBHOOKS_FILE: existingFile.optional(),
  POORTWACHTER_MEDICAL_TERMS_FILE: existingFile.optional(),
  POORTWACHTER_HTTP_PORT: port.default(3000),
  POORTWACHTER_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  POORTWACHTER_API_KEYS_FILE: z.string().min(1).optional(),
  POORTWACHTER_ACCESS_LOG: z.string().min(1).optional(),
  POORTWACHTER_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL, for example https://verzuim.arbo.example' })
    .optional(),
  POORTWACHTER_OIDC_ISSUER: z
    .url({ protocol: /^https?$/, error: 'must be the http(s) URL of the identity provider' })
    .optional(),
  POORTWACHTER_OIDC_CLIENT_ID: z.string().min(1).optional(),
  POORTWACHTER_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  POORTWACHTER_OIDC_SCOPES: z.string().min(1).default('openid profile email'),
  POORTWACHTER_OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
  POORTWACHTER_OIDC_ROLES: z.string().min(1).optional(),
  POORTWACHTER_OIDC_EMPLOYERS_CLAIM: z.string().min(1).default('employer_ids'),
  POORTWACHTER_OIDC_TEAM_CLAIM: z.string().min(1).default('team'),
  POORTWACHTER_TOKEN_AUDIENCE: z.string().min(1).optional(),
  POORTWACHTER_TOKEN_ISSUER: z
    .url({ protocol: /^https?$/, error: 'must be the http(s) URL of the identity provider' })
    .optional(),
  POORTWACHTER_TOKEN_TYP: z.enum(['at+jwt', 'any']).default('at+jwt'),
  POORTWACHTER_TOKEN_JWKS_URL: z
    .url({ protocol: /^https?$/, error: "must be the http(s) URL of the provider's JWKS" })
    .optional(),
  POORTWACHTER_SESSION_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes in base64url (43 characters)')
    .optional(),
  POORTWACHTER_MAX_CACHED_WORKFLOWS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(2, 'must be at least 2')
    .default(DEFAULT_MAX_CACHED_WORKFLOWS),
});

export const envSchema = envShape.superRefine((env, ctx) => {
  if (env.POORTWACHTER_KEYS_FILE && env.POORTWACHTER_KEYS) {
    ctx.addIssue({
      code: 'custom',
      path: ['POORTWACHTER_KEYS'],
      message: 'and POORTWACHTER_KEYS_FILE are both set: use one of them',
    });
  }
  if (env.TEMPORAL_TLS_CERT && !env.TEMPORAL_TLS_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['TEMPORAL_TLS_KEY'],
      message: 'is required when TEMPORAL_TLS_CERT is set (mutual TLS needs both)',
    });
  }
  if (env.TEMPORAL_TLS_KEY && !env.TEMPORAL_TLS_CERT) {
    ctx.addIssue({
      code: 'custom',
      path: ['TEMPORAL_TLS_CERT'],
      message: 'is required when TEMPORAL_TLS_KEY is set (mutual TLS needs both)',
    });
  }
  if (env.TEMPORAL_TLS === false && (env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CA || env.TEMPORAL_API_KEY)) {
    ctx.addIssue({
      code: 'custom',
      path: ['TEMPORAL_TLS'],
      message: 'is false, but TLS certificates or an API key are configured',
    });
  }
  if (env.POORTWACHTER_OIDC_ISSUER) {
    for (const name of [
      'POORTWACHTER_OIDC_CLIENT_ID',
      'POORTWACHTER_OIDC_CLIENT_SECRET',
      'POORTWACHTER_SESSION_KEY',
    ] as const) {
      if (!env[name])
        ctx.addIssue({ code: 'custom', path: [name], message: 'is required when POORTWACHTER_OIDC_ISSUER is set' });
    }
  }
  if (env.POORTWACHTER_TOKEN_AUDIENCE && !env.POORTWACHTER_TOKEN_ISSUER && !env.POORTWACHTER_OIDC_ISSUER) {
    ctx.addIssue({
      code: 'custom',
      path: ['POORTWACHTER_TOKEN_ISSUER'],
      message: 'is required when POORTWACHTER_TOKEN_AUDIENCE is set (or POORTWACHTER_OIDC_ISSUER, its default)',
    });
  }
  if (env.POORTWACHTER_TOKEN_AUDIENCE && env.POORTWACHTER_TOKEN_AUDIENCE === env.POORTWACHTER_OIDC_CLIENT_ID) {
    ctx.addIssue({
      code: 'custom',
      path: ['POORTWACHTER_TOKEN_AUDIENCE'],
      message:
        "is the login's client id: the ID tokens of every login carry that audience; give the API an identifier of its own",
    });
  }
  for (const name of ['POORTWACHTER_TOKEN_ISSUER', 'POORTWACHTER_TOKEN_JWKS_URL'] as const) {
    if (env[name] && !env.POORTWACHTER_TOKEN_AUDIENCE)
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'has no effect without POORTWACHTER_TOKEN_AUDIENCE (the audience access tokens must carry)',
      });
  }
  const remoteOnly = ['TEMPORAL_TLS', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_API_KEY'] as const;
  for (const name of remoteOnly) {
    if (env[name] !== undefined && !env.TEMPORAL_ADDRESS) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'only applies to a remote cluster: set TEMPORAL_ADDRESS too',
      });
    }
  }
});

/** Every variable this project reads. */
export const ENV_VARIABLES = Object.keys(envShape.shape);

export interface TlsSettings {
  serverRootCACertificatePath?: string;
  clientCertPath?: string;
  clientKeyPath?: string;
  serverNameOverride?: string;
}

export interface Config {
  /** Undefined means: no cluster configured, `dev` starts the embedded server. */
  temporalAddress: string | undefined;
  namespace: string;
  taskQueue: string;
  /** False for plain connections, an object for TLS (possibly empty: system CAs). */
  tls: TlsSettings | false;
  apiKey: string | undefined;
  smtpUrl: string;
  /** False when SMTP_URL was not set: then `dev` starts its own mail catcher on MAIL_SMTP_PORT. */
  smtpUrlExplicit: boolean;
  mailFrom: string;
  timeZone: (typeof SUPPORTED_TIME_ZONES)[number];
  dataDir: string;
  ports: { temporal: number; temporalUi: number; mailSmtp: number; mailWeb: number };
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  logFormat: 'json' | 'pretty' | undefined;
  /** Payload encryption keys (runtime/codec.ts): inline keyring text or a key file. */
  keys: { inline?: string; file?: string };
  /** The codec endpoint for the Temporal Web UI (`poortwachter codec-server`). */
  codecServer: { token: string | undefined; corsOrigin: string; port: number };
  /**
   * The Temporal Web UI's origin as configured (POORTWACHTER_CODEC_CORS_ORIGIN), whose pages may call
   * the service's /codec; unset, no other origin's page may (`dev` sets its own UI's).
   */
  webUiOrigin: string | undefined;
  /** The e-mail templates; undefined: the built-in ones (templates/). */
  templatesDir: string | undefined;
  /** Copied on the second escalation of an overdue task. */
  supervisorEmail: string | undefined;
  /** Told when an e-mail is permanently undeliverable. */
  operationsEmail: string | undefined;
  /** Words added to or lifted from the medical-terms screen (runtime/medical-terms-config.ts). */
  medicalTermsFile: string | undefined;
  /** The webhook endpoints (runtime/webhooks-config.ts); undefined: no webhooks go out. */
  webhooksFile: string | undefined;
  /** The worker's workflow cache (cases in memory). */
  maxCachedWorkflows: number;
  /** The HTTP service (`poortwachter serve`, and `dev`). */
  http: { host: string; port: number };
  /** The API keys (hashes only); default: api-keys.json in the data folder. */
  apiKeysFile: string;
  /** The access log (JSON lines); default: access.jsonl in the data folder. */
  accessLog: string;
  /** The service as browsers reach it; default http://localhost:<HTTP port>. */
  publicUrl: string;
  /** People's login (OpenID Connect); undefined: only API keys come in. */
  oidc: OidcSettings | undefined;
  /** How roles, employers and team are read from the provider's claims (login and access tokens). */
  claims: ClaimSettings;
  /** Access tokens of the identity provider (OAuth2 client credentials); undefined: none are taken. */
  tokens: { issuer: string; audience: string; jwksUrl: string | undefined; typ: 'at+jwt' | 'any' } | undefined;
}

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  sessionKey: string;
}

/** How the identity provider's claims (in ID tokens and access tokens) are read. */
export interface ClaimSettings {
  groupsClaim: string;
  /** `group=role,…` as given; undefined: groups named `poortwachter-<role>`. */
  roles: string | undefined;
  employersClaim: string;
  teamClaim: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.variable} ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset: `FOO=` in a compose file or shell means "no value".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        message: issue.message,
      })),
    );
  }
  const e = parsed.data;
  const tlsWanted = e.TEMPORAL_TLS ?? Boolean(e.TEMPORAL_TLS_CA || e.TEMPORAL_TLS_CERT || e.TEMPORAL_API_KEY);
  return {
    temporalAddress: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    tls: tlsWanted
      ? {
          serverRootCACertificatePath: e.TEMPORAL_TLS_CA,
          clientCertPath: e.TEMPORAL_TLS_CERT,
          clientKeyPath: e.TEMPORAL_TLS_KEY,
          serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME,
        }
      : false,
    apiKey: e.TEMPORAL_API_KEY,
    smtpUrl: e.SMTP_URL ?? `smtp://127.0.0.1:${e.MAIL_SMTP_PORT}`,
    smtpUrlExplicit: e.SMTP_URL !== undefined,
    mailFrom: e.MAIL_FROM,
    timeZone: e.POORTWACHTER_TIME_ZONE,
    dataDir: e.POORTWACHTER_DATA_DIR,
    ports: {
      temporal: e.TEMPORAL_PORT,
      temporalUi: e.TEMPORAL_UI_PORT,
      mailSmtp: e.MAIL_SMTP_PORT,
      mailWeb: e.MAIL_WEB_PORT,
    },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    keys: { inline: e.POORTWACHTER_KEYS, file: e.POORTWACHTER_KEYS_FILE },
    codecServer: {
      token: e.POORTWACHTER_CODEC_TOKEN,
      corsOrigin: new URL(e.POORTWACHTER_CODEC_CORS_ORIGIN ?? `http://localhost:${e.TEMPORAL_UI_PORT}`).origin,
      port: e.POORTWACHTER_CODEC_PORT,
    },
    webUiOrigin: e.POORTWACHTER_CODEC_CORS_ORIGIN && new URL(e.POORTWACHTER_CODEC_CORS_ORIGIN).origin,
    templatesDir: e.POORTWACHTER_TEMPLATES_DIR,
    supervisorEmail: e.POORTWACHTER_SUPERVISOR_EMAIL,
    operationsEmail: e.POORTWACHTER_OPERATIONS_EMAIL,
    webhooksFile: e.POORTWACHTER_WEBHOOKS_FILE,
    medicalTermsFile: e.POORTWACHTER_MEDICAL_TERMS_FILE,
    maxCachedWorkflows: e.POORTWACHTER_MAX_CACHED_WORKFLOWS,
    http: { host: e.POORTWACHTER_HTTP_HOST, port: e.POORTWACHTER_HTTP_PORT },
    apiKeysFile: e.POORTWACHTER_API_KEYS_FILE ?? join(e.POORTWACHTER_DATA_DIR, 'api-keys.json'),
    accessLog: e.POORTWACHTER_ACCESS_LOG ?? join(e.POORTWACHTER_DATA_DIR, 'access.jsonl'),
    publicUrl: (e.POORTWACHTER_PUBLIC_URL ?? `http://localhost:${e.POORTWACHTER_HTTP_PORT}`).replace(/\/$/, ''),
    oidc: e.POORTWACHTER_OIDC_ISSUER
      ? {
          issuer: e.POORTWACHTER_OIDC_ISSUER,
          clientId: e.POORTWACHTER_OIDC_CLIENT_ID!,
          clientSecret: e.POORTWACHTER_OIDC_CLIENT_SECRET!,
          scopes: e.POORTWACHTER_OIDC_SCOPES,
          sessionKey: e.POORTWACHTER_SESSION_KEY!,
        }
      : undefined,
    claims: {
      groupsClaim: e.POORTWACHTER_OIDC_GROUPS_CLAIM,
      roles: e.POORTWACHTER_OIDC_ROLES,
      employersClaim: e.POORTWACHTER_OIDC_EMPLOYERS_CLAIM,
      teamClaim: e.POORTWACHTER_OIDC_TEAM_CLAIM,
    },
    tokens: e.POORTWACHTER_TOKEN_AUDIENCE
      ? {
          issuer: (e.POORTWACHTER_TOKEN_ISSUER ?? e.POORTWACHTER_OIDC_ISSUER)!,
          audience: e.POORTWACHTER_TOKEN_AUDIENCE,
          jwksUrl: e.POORTWACHTER_TOKEN_JWKS_URL,
          typ: e.POORTWACHTER_TOKEN_TYP,
        }
      : undefined,
  };
}
