// Sends the Temporal SDK's own logs (the TypeScript side and the Rust core) through our pino logger,
// so that a worker writes one stream in one format.
import { Runtime, makeTelemetryFilterString, type LogLevel, type LogMetadata, type Logger } from '@temporalio/worker';
import type { Logger as PinoLogger } from 'pino';

const pinoLevel: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export class PinoSdkLogger implements Logger {
  constructor(private readonly pino: PinoLogger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    // The SDK puts a failure under `error`; pino serialises an Error (message, stack) only under `err`.
    const { error, ...rest } = meta ?? {};
    this.pino[pinoLevel[level]](error instanceof Error ? { ...rest, err: error } : (meta ?? {}), message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

let installed = false;

/** Installs the SDK Runtime once per process, with core logs forwarded at WARN and above. */
export function installRuntime(logger: PinoLogger): void {
  if (installed) return;
  Runtime.install({
    logger: new PinoSdkLogger(logger.child({ component: 'temporal-sdk' })),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} } },
  });
  installed = true;
}
