// Reading an audit bundle for verification, in both formats (bundle.ts): format /2, JSON lines, read
// as a stream whatever its size: the first line and the last two (the manifest and its proof) are
// read first, then the history lines one at a time; format /1, one JSON document, read whole (such a
// bundle was only ever written in memory, so it is small).
//
// What is wrong with the file as a file (not JSON, no manifest, an unknown format) is a
// BundleFormatError: there is nothing to verify. A damaged history line is not: it is reported as a
// problem of that line, and every other case is still verified.
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_V1,
  closingLine,
  headerLine,
  historyDigest,
  isSealedFormat,
  manifestLine,
  SEALED_BUNDLE_FORMAT,
  SEALED_BUNDLE_FORMAT_V1,
  sha256,
  type AuditBundle,
  type BundleFormat,
  type BundleSignature,
  type CaseManifest,
  type Manifest,
  type StoredHistory,
} from './bundle.js';
import { sealInfoProblem } from './seal.js';

/** The bundle cannot be read as a bundle at all (not JSON, wrong format): a usage error. */
export class BundleFormatError extends Error {}

/** One stored history as read, or why a line holds none. */
export interface HistoryRecord {
  /** Where it is in the file: "line 7", or "histories[5]" in format /1. */
  position: string;
  stored?: StoredHistory;
  /** Its line as written (format /2): what the replay threads are sent when nothing is to decrypt. */
  line?: string;
  /** Its digest, as its run's entry in the manifest must hold it. */
  digest?: string;
  problem?: string;
}

export interface OpenedBundle {
  manifest: Manifest;
  manifestSha256: string;
  signature?: BundleSignature;
  /** Where the file is not in the form it was written in (changed outside its values). */
  formProblems: string[];
  /** The stored histories, in the order of the file, one at a time. */
  records(): AsyncIterable<HistoryRecord>;
}

export type BundleSource = { text: string } | { path: string };

/** Deeper than any history: a file nested past this is not a bundle (and would exhaust the stack). */
const MAX_DEPTH = 256;
/** The header line is a few dozen bytes; a first line longer than this is no header. */
const MAX_HEADER_BYTES = 64 * 1024;
/** Read backwards in pieces of this size to find the manifest line. */
const TAIL_CHUNK = 1024 * 1024;
const LINE_FORMATS: readonly unknown[] = [BUNDLE_FORMAT, SEALED_BUNDLE_FORMAT];

/** Opens a bundle given as text (the service, tests) or as a file (the CLI). */
export async function openBundle(source: BundleSource, name = 'the bundle'): Promise<OpenedBundle> {
  if ('text' in source) {
    const newline = source.text.indexOf('\n');
    const first = newline < 0 ? source.text : source.text.slice(0, newline);
    if (!isLinesHeader(first)) return openDocument(source.text, name);
    const lines = source.text.split('\n');
    const last = lines.pop();
    if (last !== '') throw new BundleFormatError(`${name} is cut off: it does not end with a line break`);
    const tail = lines.splice(Math.max(1, lines.length - 2));
    if (lines.length < 1 || tail.length < 2) throw new BundleFormatError(`${name} is cut off: it has no manifest`);
    const middle = lines.slice(1);
    return openLines(first, tail[0]!, tail[1]!, name, async function* () {
      for (const [i, line] of middle.entries()) yield { number: i + 2, bytes: Buffer.from(line, 'utf8') };
    });
  }
  const path = source.path;
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(Math.min(size, MAX_HEADER_BYTES));
    await file.read(head, 0, head.length, 0);
    const newline = head.indexOf(10);
    const first = utf8(head.subarray(0, newline < 0 ? head.length : newline));
    if (first === undefined || !isLinesHeader(first)) return openDocument(await readFile(path, 'utf8'), name);
    const { manifest, closing, manifestStart } = await readTail(file, size, name);
    const headerEnd = newline + 1;
    return openLines(first, manifest, closing, name, async function* () {
      if (manifestStart <= headerEnd) return;
      const input = createReadStream(path, { start: headerEnd, end: manifestStart - 1 });
      try {
        let number = 1;
        for await (const bytes of splitLines(input)) yield { number: ++number, bytes };
      } finally {
        // A reader that stops early (it wanted the first history only) leaves no file open.
        input.destroy();
      }
    });
  } finally {
    await file.close();
  }
}

/**
 * The lines of a stream, as bytes, split at each line break (byte 10) and nothing else, read a piece
 * at a time: a line is what its digest is over, byte for byte, and only a few are held at once.
 */
async function* splitLines(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  for await (const chunk of input) {
    let start = 0;
    for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, end));
      yield Buffer.concat(pending);
      pending = [];
      start = end + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield Buffer.concat(pending);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of some bytes, or undefined when they are not UTF-8 (a changed byte would else read as U+FFFD). */
function utf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Whether a first line is the header of a bundle in JSON lines (not the start of a format /1 document). */
function isLinesHeader(line: string): boolean {
  if (!line.startsWith('{"format":')) return false;
  try {
    return typeof (JSON.parse(line) as { format?: unknown }).format === 'string';
  } catch {
    return false;
  }
}

/** The manifest line and the closing line at the end of the file, and where the manifest line starts. */
async function readTail(
  file: Awaited<ReturnType<typeof open>>,
  size: number,
  name: string,
): Promise<{ manifest: string; closing: string; manifestStart: number }> {
  const chunks: Buffer[] = [];
  let position = size;
  let newlines = 0;
  // Back to the line break before the manifest line: three from the end, the file's last included.
  while (position > 0 && newlines < 3) {
    const length = Math.min(TAIL_CHUNK, position);
    position -= length;
    const chunk = Buffer.alloc(length);
    await file.read(chunk, 0, length, position);
    chunks.unshift(chunk);
    for (const byte of chunk) if (byte === 10) newlines++;
  }
  const tail = Buffer.concat(chunks);
  if (tail.at(-1) !== 10) throw new BundleFormatError(`${name} is cut off: it does not end with a line break`);
  const closingStart = tail.lastIndexOf(10, tail.length - 2) + 1;
  const manifestStart = tail.lastIndexOf(10, closingStart - 2) + 1;
  if (closingStart <= 0 || manifestStart <= 0) throw new BundleFormatError(`${name} is cut off: it has no manifest`);
  const manifest = utf8(tail.subarray(manifestStart, closingStart - 1));
  const closing = utf8(tail.subarray(closingStart, tail.length - 1));
  if (manifest === undefined || closing === undefined)
    throw new BundleFormatError(`${name} is not an audit bundle: its last lines are not UTF-8 text`);
  return { manifest, closing, manifestStart: position + manifestStart };
}

function parseLine(line: string, what: string, name: string): Record<string, unknown> {
  if (nestingDepth(line) > MAX_DEPTH)
    throw new BundleFormatError(
      `${name} is not an audit bundle: its ${what} is nested more than ${MAX_DEPTH} levels deep`,
    );
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    // Not the parser's message: it quotes the text, which may be a case's.
    throw new BundleFormatError(`${name} is not an audit bundle: its ${what} is not JSON`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new BundleFormatError(`${name} is not an audit bundle: its ${what} is not an object`);
  return value as Record<string, unknown>;
}

/** A bundle in JSON lines: its header, manifest and closing line checked, its histories read on demand. */
function openLines(
  header: string,
  manifestText: string,
  closingText: string,
  name: string,
  lines: () => AsyncIterable<{ number: number; bytes: Buffer }>,
): OpenedBundle {
  const { format } = parseLine(header, 'first line', name);
  if (!LINE_FORMATS.includes(format))
    throw new BundleFormatError(
      `${name} is not an audit bundle of format ${BUNDLE_FORMAT} or ${SEALED_BUNDLE_FORMAT} (format: ${JSON.stringify(format)})`,
    );
  const manifest = parseLine(manifestText, 'manifest line', name).manifest;
  if (manifest === undefined)
    throw new BundleFormatError(`${name} is cut off or not an audit bundle: its next-to-last line holds no manifest`);
  checkManifest(manifest, name);
  if (manifest.format !== format)
    throw new BundleFormatError(
      `${name} is not an audit bundle: its first line says ${format}, its manifest ${manifest.format}`,
    );
  const closing = parseLine(closingText, 'last line', name) as Partial<AuditBundle>;
  if (typeof closing.manifestSha256 !== 'string')
    throw new BundleFormatError(`${name} is cut off or not an audit bundle: its last line holds no manifestSha256`);
  const formProblems: string[] = [];
  // The signature as written: its four fields in their order and nothing else (an added note, or the
  // fields moved, is a change the digests do not cover).
  const signature = closing.signature as Partial<BundleSignature> | undefined;
  const exact = {
    manifestSha256: closing.manifestSha256,
    ...(signature && {
      signature:
        typeof signature === 'object'
          ? {
              algorithm: signature.algorithm,
              publicKey: signature.publicKey,
              fingerprint: signature.fingerprint,
              value: signature.value,
            }
          : signature,
    }),
  };
  if (
    header !== headerLine(format as BundleFormat) ||
    manifestText !== manifestLine(manifest) ||
    closingText !== closingLine(exact as Pick<AuditBundle, 'manifestSha256' | 'signature'>) ||
    Object.keys(closing).length !== Object.keys(exact).length
  )
    formProblems.push('the file is not in the canonical form it was written in: it was changed outside its values');
  const sealed = isSealedFormat(format as BundleFormat);
  return {
    manifest,
    manifestSha256: closing.manifestSha256,
    ...(closing.signature && { signature: closing.signature }),
    formProblems,
    async *records() {
      for await (const { number, bytes } of lines()) {
        const position = `line ${number}`;
        const line = utf8(bytes);
        // JSON as written has no raw carriage return: one there was added.
        const read =
          line === undefined || bytes.includes(13) ? 'is not UTF-8 JSON as written' : readRecord(line, sealed);
        if (typeof read === 'string')
          yield { position, problem: `${position} of the bundle ${read}: it was changed or cut` };
        else yield { position, stored: read, line: line!, digest: sha256(bytes) };
      }
    },
  };
}

/** The stored history a line holds, or why it holds none. */
function readRecord(line: string, sealed: boolean): StoredHistory | string {
  if (nestingDepth(line) > MAX_DEPTH) return `is nested more than ${MAX_DEPTH} levels deep`;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'is not JSON';
  }
  const shape = storedShapeProblem(value, sealed);
  return shape ? `is not a history (${shape})` : (value as StoredHistory);
}

/** What a stored history lacks or has too much of, or undefined. */
function storedShapeProblem(value: unknown, sealed: boolean): string | undefined {
  const stored = value as Partial<Record<keyof StoredHistory, unknown>> | null;
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) return 'not an object';
  if (typeof stored.workflowId !== 'string' || typeof stored.runId !== 'string')
    return 'needs workflowId and runId as text';
  const keys = Object.keys(stored);
  if (sealed) {
    // Nothing beside the sealed text: a plain copy next to it would be read by no check.
    if (keys.length !== 3 || typeof stored.sealed !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(stored.sealed))
      return 'needs workflowId, runId and sealed (base64), and nothing else';
  } else if (keys.length !== 3 || typeof stored.history !== 'object' || stored.history === null) {
    return 'needs workflowId, runId and history, and nothing else';
  }
  return undefined;
}

/** The manifest's shape, or a BundleFormatError naming the first field that is wrong. */
function checkManifest(value: unknown, name: string): asserts value is Manifest {
  const m = value as Partial<Manifest> | null;
  if (!m || typeof m !== 'object') throw new BundleFormatError(`${name} is not an audit bundle: it has no manifest`);
  const sealed = isSealedFormat(m.format as BundleFormat);
  if (sealed) {
    const problem = sealInfoProblem(m.sealed);
    if (problem) throw new BundleFormatError(`${name} is not a sealed audit bundle: manifest.sealed ${problem}`);
  } else if (m.sealed !== undefined) {
    throw new BundleFormatError(`${name} is not an audit bundle: manifest.sealed in a bundle of format ${m.format}`);
  }
  if (!Array.isArray(m.cases))
    throw new BundleFormatError(`${name} is not an audit bundle: manifest.cases is not a list`);
  m.cases.forEach((c: unknown, i) => {
    const at = `${name} is not an audit bundle: manifest.cases[${i}]`;
    const entry = c as Partial<Record<keyof CaseManifest, unknown>> | null;
    if (!entry || typeof entry !== 'object') throw new BundleFormatError(`${at} is not an object`);
    for (const field of ['caseId', 'workflowId', 'workflowType', 'ruleset', 'sha256'] as const)
      if (typeof entry[field] !== 'string') throw new BundleFormatError(`${at}.${field} is not text`);
    if (!Array.isArray(entry.runs)) throw new BundleFormatError(`${at}.runs is not a list`);
    entry.runs.forEach((r: unknown, j) => {
      const run = r as { runId?: unknown; sha256?: unknown; events?: unknown } | null;
      if (!run || typeof run.runId !== 'string' || typeof run.sha256 !== 'string')
        throw new BundleFormatError(`${at}.runs[${j}] needs runId and sha256 as text`);
      if (typeof run.events !== 'number' || !Number.isSafeInteger(run.events) || run.events < 0)
        throw new BundleFormatError(`${at}.runs[${j}].events is not a count`);
    });
  });
}

/** A bundle of format /1: one JSON document, read whole, in the one form it was written in. */
function openDocument(text: string, name: string): OpenedBundle {
  const bundle = parseDocument(text, name);
  const format = bundle.manifest.format;
  return {
    manifest: bundle.manifest,
    manifestSha256: bundle.manifestSha256,
    ...(bundle.signature && { signature: bundle.signature }),
    formProblems:
      `${JSON.stringify(bundle, null, 2)}\n` === text
        ? []
        : ['the file is not in the canonical form it was written in: it was changed outside its values'],
    async *records() {
      for (const [i, stored] of bundle.histories.entries())
        yield { position: `histories[${i}]`, stored, digest: historyDigest(stored, format) };
    },
  };
}

function parseDocument(text: string, name: string): AuditBundle {
  const depth = nestingDepth(text);
  if (depth > MAX_DEPTH)
    throw new BundleFormatError(
      `${name} is not an audit bundle: it is nested ${depth} levels deep (at most ${MAX_DEPTH})`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BundleFormatError(`${name} is not valid JSON`);
  }
  const b = value as Partial<AuditBundle> | null;
  if (!b || typeof b !== 'object' || !b.manifest || typeof b.manifest !== 'object')
    throw new BundleFormatError(`${name} is not an audit bundle: it has no manifest`);
  const format = b.manifest.format as unknown;
  if (format !== BUNDLE_FORMAT_V1 && format !== SEALED_BUNDLE_FORMAT_V1)
    throw new BundleFormatError(
      `${name} is not an audit bundle of format ${BUNDLE_FORMAT} or ${SEALED_BUNDLE_FORMAT} (format: ${JSON.stringify(format)})`,
    );
  checkManifest(b.manifest, name);
  if (!Array.isArray(b.histories))
    throw new BundleFormatError(`${name} is not an audit bundle: histories is not a list`);
  const sealed = isSealedFormat(format);
  b.histories.forEach((h: unknown, i) => {
    const problem = storedShapeProblem(h, sealed);
    if (problem)
      throw new BundleFormatError(
        `${name} is not ${sealed ? 'a sealed' : 'an'} audit bundle: histories[${i}] ${problem}`,
      );
  });
  return b as AuditBundle;
}

/** How deeply the JSON text nests, counted without parsing it (strings skipped). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}
