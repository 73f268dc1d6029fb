// One pino logger for every process. JSON by default (production, log shippers); human-readable
// through pino-pretty when LOG_FORMAT=pretty or when writing to a terminal and pino-pretty is
// installed (it is a dev dependency, absent from production images).
//
// Every line leaves without e-mail addresses: what is logged includes error messages from outside
// (an SMTP server quoting the address it refused, the SDK quoting a failure), so the addresses are
// replaced in the finished line rather than trusted to each caller: in each of its string values,
// read back from the JSON (a pattern over the JSON text itself would cut through its escapes).
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

/**
 * An e-mail address (RFC 5321 local part, a domain whose last label is letters): not a Go module
 * version (`…/cmd/server@v1.32.0`) nor a Message-ID (`<….@poortwachter>`).
 */
const EMAIL_ADDRESS = /[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])/g;
export const REDACTED_EMAIL = '[e-mail]';

/** The text with every e-mail address replaced. */
export function redactEmailAddresses(text: string): string {
  return text.replace(EMAIL_ADDRESS, REDACTED_EMAIL);
}

function redactValues(value: unknown): unknown {
  if (typeof value === 'string') return redactEmailAddresses(value);
  if (Array.isArray(value)) return value.map(redactValues);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValues(v)]));
  }
  return value;
}

/** A finished JSON log line, its string values redacted; a line that is not JSON, as text. */
function redactLine(line: string): string {
  if (!EMAIL_ADDRESS.test(line)) return line;
  EMAIL_ADDRESS.lastIndex = 0;
  try {
    return `${JSON.stringify(redactValues(JSON.parse(line)))}\n`;
  } catch {
    return redactEmailAddresses(line);
  }
}

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** `destination` is for tests; processes log to standard output. */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  name = 'poortwachter',
  destination?: DestinationStream,
): Logger {
  const options = { name, level: config.logLevel, hooks: { streamWrite: redactLine } };
  const wantsPretty = config.logFormat === 'pretty' || (config.logFormat === undefined && process.stdout.isTTY);
  if (!destination && wantsPretty && prettyAvailable()) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
      },
    });
  }
  return destination ? pino(options, destination) : pino(options);
}
