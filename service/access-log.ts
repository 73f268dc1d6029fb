// The access log: who read, changed or exported which case, when, and with what outcome, refusals
// included (NEN 7513 asks for such a record in health care). One JSON object per line, appended to a
// file of its own (POORTWACHTER_ACCESS_LOG), apart from the application log, so that it can be kept,
// shipped and protected on its own terms. It names cases by id and callers by key or account, never
// a person's name or address from a case.
import { createWriteStream, type WriteStream } from 'node:fs';

export interface AccessEntry {
  /**
   * Who: the API key's id and name, the person's e-mail address, or a system token's client id;
   * "anonymous" without credentials.
   */
  who: string;
  via: 'api-key' | 'session' | 'token' | 'none';
  /** A person's roles. */
  roles?: string[];
  /** What was asked: `case.open`, `case.read`, `case.list`, `event.record`, `codec.decode`, … */
  action: string;
  caseId?: string;
  outcome: 'allowed' | 'refused' | 'failed';
  status: number;
  method: string;
  path: string;
}

export interface AccessLog {
  write(entry: AccessEntry): void;
  close(): Promise<void>;
}

/** Appends to `file` (created if needed, mode 0600); without a file, entries go to `fallback`. */
export function openAccessLog(file: string | undefined, fallback?: (line: string) => void): AccessLog {
  let stream: WriteStream | undefined;
  if (file) stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  return {
    write(entry) {
      const line = `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`;
      if (stream) stream.write(line);
      else fallback?.(line);
    },
    close: () => new Promise<void>((resolve) => (stream ? stream.end(resolve) : resolve())),
  };
}
