// Log lines leave without e-mail addresses, wherever in the line they were (message, error, fields,
// the SDK's own logs), and keep the rest of what they say.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED_EMAIL, redactEmailAddresses } from '../../runtime/logger.js';
import { PinoSdkLogger } from '../../runtime/sdk-runtime.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ logLevel: 'info', logFormat: 'json' }, 'test', stream);
  return { logger, lines };
}

describe('log redaction', () => {
  it('replaces addresses in the message, an error and nested fields', () => {
    const { logger, lines } = capture();
    const refused = new Error('550 5.1.1 <anna.jansen@arbo.example>: Recipient address rejected');
    logger.warn(
      { err: refused, to: ['p&o@vandijk.example'], deep: { cc: 'Hr+Team@werkgever.example.nl' } },
      'mail to anna.jansen@arbo.example failed',
    );
    const line = lines.join('');
    for (const address of ['anna.jansen@arbo.example', 'p&o@vandijk.example', 'Hr+Team@werkgever.example.nl']) {
      expect(line).not.toContain(address);
    }
    const parsed = JSON.parse(line) as { msg: string; err: { message: string; stack: string }; deep: { cc: string } };
    expect(parsed.msg).toBe(`mail to ${REDACTED_EMAIL} failed`);
    expect(parsed.err.message).toBe(`550 5.1.1 <${REDACTED_EMAIL}>: Recipient address rejected`);
    expect(parsed.err.stack).toContain('Recipient address rejected');
    expect(parsed.deep.cc).toBe(REDACTED_EMAIL);
  });

  it("covers the Temporal SDK's logs, which quote failures", () => {
    const { logger, lines } = capture();
    new PinoSdkLogger(logger).warn('Activity failed', { error: new Error('cannot deliver to bram@arbo.example') });
    expect(lines.join('')).not.toContain('bram@arbo.example');
    expect(lines.join('')).toContain(`cannot deliver to ${REDACTED_EMAIL}`);
  });

  it('leaves Message-IDs, case ids, URLs and Go module versions without an address alone', () => {
    const text =
      '<reminder.K-2001.probleemanalyse@poortwachter> http://127.0.0.1:8025/ case K-2001 go.temporal.io/server/cmd/server@v1.32.0';
    expect(redactEmailAddresses(text)).toBe(text);
  });

  it('keeps every line valid JSON, also where an address follows an escape (a new line, a quote)', () => {
    const { logger, lines } = capture();
    logger.warn('refused:\nanna@arbo.example and "bram@arbo.example"\tcarla@arbo.example');
    const parsed = JSON.parse(lines.join('')) as { msg: string };
    expect(parsed.msg).toBe(`refused:\n${REDACTED_EMAIL} and "${REDACTED_EMAIL}"\t${REDACTED_EMAIL}`);
  });
});
