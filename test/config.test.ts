// Configuration: defaults, and a clear refusal naming the variable for every kind of bad value.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../runtime/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.variable} ${p.message}`);
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('has defaults for the embedded dev stack', () => {
    const config = loadConfig({});
    expect(config.temporalAddress).toBeUndefined();
    expect(config.namespace).toBe('default');
    expect(config.taskQueue).toBe('poortwachter');
    expect(config.smtpUrl).toBe('smtp://127.0.0.1:1025');
    expect(config.smtpUrlExplicit).toBe(false);
    expect(config.timeZone).toBe('Europe/Amsterdam');
    expect(config.tls).toBe(false);
    expect(config.ports).toEqual({ temporal: 7233, temporalUi: 8233, mailSmtp: 1025, mailWeb: 1080 });
  });

  it('bounds the worker workflow cache: 100 cases by default, at least 2', () => {
    expect(loadConfig({}).maxCachedWorkflows).toBe(100);
    expect(loadConfig({ POORTWACHTER_MAX_CACHED_WORKFLOWS: '50' }).maxCachedWorkflows).toBe(50);
    expect(problems({ POORTWACHTER_MAX_CACHED_WORKFLOWS: '1' })).toEqual([
      'POORTWACHTER_MAX_CACHED_WORKFLOWS must be at least 2',
    ]);
    expect(problems({ POORTWACHTER_MAX_CACHED_WORKFLOWS: 'lots' })).toEqual([
      'POORTWACHTER_MAX_CACHED_WORKFLOWS must be a number',
    ]);
  });

  it('follows the mail catcher port when no SMTP_URL is given, and treats empty values as unset', () => {
    expect(loadConfig({ MAIL_SMTP_PORT: '2525', SMTP_URL: '' }).smtpUrl).toBe('smtp://127.0.0.1:2525');
  });

  it('turns on TLS for a remote cluster with certificates or an API key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-config-'));
    const cert = join(dir, 'client.pem');
    const key = join(dir, 'client.key');
    writeFileSync(cert, 'x');
    writeFileSync(key, 'x');
    const mtls = loadConfig({
      TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233',
      TEMPORAL_TLS_CERT: cert,
      TEMPORAL_TLS_KEY: key,
    });
    expect(mtls.tls).toMatchObject({ clientCertPath: cert, clientKeyPath: key });
    const cloud = loadConfig({ TEMPORAL_ADDRESS: 'eu.aws.api.temporal.io:7233', TEMPORAL_API_KEY: 'secret' });
    expect(cloud.tls).toEqual(expect.any(Object));
    expect(cloud.apiKey).toBe('secret');
  });

  it.each([
    [{ TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS must be host:port'],
    [{ MAIL_SMTP_PORT: '70000' }, 'MAIL_SMTP_PORT must be between 1 and 65535'],
    [{ TEMPORAL_PORT: 'seven' }, 'TEMPORAL_PORT must be a port number'],
    [{ SMTP_URL: 'http://mail:25' }, 'SMTP_URL must be an smtp:// or smtps:// URL'],
    [{ POORTWACHTER_TIME_ZONE: 'Europe/London' }, 'POORTWACHTER_TIME_ZONE must be one of: Europe/Amsterdam'],
    [{ TEMPORAL_TLS: 'maybe', TEMPORAL_ADDRESS: 'a:1' }, 'TEMPORAL_TLS must be true or false'],
    [{ TEMPORAL_ADDRESS: 'a:1', TEMPORAL_TLS_CERT: '/nonexistent/cert.pem' }, 'TEMPORAL_TLS_CERT file does not exist'],
    [{ TEMPORAL_API_KEY: 'k' }, 'TEMPORAL_API_KEY only applies to a remote cluster'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
  ])('refuses %o naming the variable', (env, expected) => {
    expect(problems(env).join('\n')).toContain(expected);
  });

  it('refuses a client certificate without its key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-config-'));
    const cert = join(dir, 'client.pem');
    writeFileSync(cert, 'x');
    expect(problems({ TEMPORAL_ADDRESS: 'a:7233', TEMPORAL_TLS_CERT: cert })).toEqual([
      'TEMPORAL_TLS_KEY is required when TEMPORAL_TLS_CERT is set (mutual TLS needs both)',
    ]);
  });

  it("takes access tokens only with an audience, from the login's provider unless another is named", () => {
    expect(loadConfig({}).tokens).toBeUndefined();
    expect(
      loadConfig({
        POORTWACHTER_TOKEN_AUDIENCE: 'https://verzuim.arbo.example',
        POORTWACHTER_OIDC_ISSUER: 'https://login.arbo.example',
        POORTWACHTER_OIDC_CLIENT_ID: 'pw',
        POORTWACHTER_OIDC_CLIENT_SECRET: 's',
        POORTWACHTER_SESSION_KEY: 'a'.repeat(43),
      }).tokens,
    ).toEqual({
      issuer: 'https://login.arbo.example',
      audience: 'https://verzuim.arbo.example',
      jwksUrl: undefined,
      typ: 'at+jwt',
    });
    expect(problems({ POORTWACHTER_TOKEN_AUDIENCE: 'https://verzuim.arbo.example' })).toEqual([
      'POORTWACHTER_TOKEN_ISSUER is required when POORTWACHTER_TOKEN_AUDIENCE is set (or POORTWACHTER_OIDC_ISSUER, its default)',
    ]);
    expect(
      problems({
        POORTWACHTER_TOKEN_AUDIENCE: 'pw',
        POORTWACHTER_OIDC_ISSUER: 'https://login.arbo.example',
        POORTWACHTER_OIDC_CLIENT_ID: 'pw',
        POORTWACHTER_OIDC_CLIENT_SECRET: 's',
        POORTWACHTER_SESSION_KEY: 'a'.repeat(43),
      }),
    ).toEqual([
      "POORTWACHTER_TOKEN_AUDIENCE is the login's client id: the ID tokens of every login carry that audience; give the API an identifier of its own",
    ]);
    expect(problems({ POORTWACHTER_TOKEN_JWKS_URL: 'https://login.arbo.example/jwks' })).toEqual([
      'POORTWACHTER_TOKEN_JWKS_URL has no effect without POORTWACHTER_TOKEN_AUDIENCE (the audience access tokens must carry)',
    ]);
  });

  it('stops the worker command at start-up with the variable named and exit code 2', () => {
    const bin = new URL('../bin/poortwachter.js', import.meta.url).pathname;
    const result = spawnSync(process.execPath, [bin, 'worker'], {
      env: { ...process.env, TEMPORAL_ADDRESS: 'not an address' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('TEMPORAL_ADDRESS must be host:port');
  });
});
