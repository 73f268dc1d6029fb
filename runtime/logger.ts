// One pino logger for every process. JSON by default (production, log shippers); human-readable
// through pino-pretty when LOG_FORMAT=pretty or when writing to a terminal and pino-pretty is
// installed (it is a dev dependency, absent from production images).
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, name = 'poortwachter'): Logger {
  const wantsPretty = config.logFormat === 'pretty' || (config.logFormat === undefined && process.stdout.isTTY);
  if (wantsPretty && prettyAvailable()) {
    return pino({
      name,
      level: config.logLevel,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ name, level: config.logLevel });
}
