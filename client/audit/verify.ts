// Verifying an audit bundle: is it complete and unaltered (digests, canonical form, signature), does
// every history replay against the current workflow code, and what does each history say the case
// did (the derived timeline).
//
// Nothing the manifest says about a case is taken on its word: the case id, workflow type, rule set,
// run ids, their order (the continue-as-new chain) and their event counts are each compared with
// what the histories themselves say, and a difference fails the bundle. A valid signature only
// proves who wrote the claims, not that they are true.
//
// A sealed bundle (seal.ts) is checked in two depths: without a key, its digests and signature (the
// content is then "not read": no case is derived or replayed); with the auditor's private key, as
// fully as any bundle, its payloads already decrypted.
import type { PayloadCodec } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import {
  BUNDLE_FORMAT,
  bundleCurrentWorkflows,
  canonical,
  casesDigest,
  continuedInto,
  historyDigest,
  SEALED_BUNDLE_FORMAT,
  serializeBundle,
  sha256,
  signatureHolds,
  wholeDigest,
  workflowCodeIdentity,
  type AuditBundle,
  type CaseManifest,
  type Manifest,
  type StoredHistory,
} from './bundle.js';
import { continuedFrom, deriveCase, type DerivedCase, type History } from './history.js';
import { SealKeyError, sealInfoProblem, Unsealer, UnsealError } from './seal.js';
import { createPublicKey } from 'node:crypto';
import { caseWorkflowId } from '../../workflows/case-model.js';

export { SealKeyError };

/** The bundle cannot be read as a bundle at all (not JSON, wrong format): a usage error. */
export class BundleFormatError extends Error {}

export type SignatureStatus =
  | { state: 'valid'; fingerprint: string; trusted: boolean }
  | { state: 'invalid'; reason: string }
  | { state: 'unsigned' };

export interface RunCheck {
  runId: string;
  intact: boolean;
  problem?: string;
  replay: 'ok' | 'diverged' | 'not-replayed';
  divergence?: string;
}

export interface CaseCheck {
  caseId: string;
  workflowId: string;
  intact: boolean;
  replaysCleanly: boolean;
  problems: string[];
  runs: RunCheck[];
  derived?: DerivedCase;
}

/**
 * Whether the histories were read: `read` (plain, or sealed and opened with the auditor's key);
 * `sealed` (sealed for the auditor key with this fingerprint, and no key given); `encrypted` (the
 * payloads need the installation's keys, which this verifier does not have).
 */
export type ContentStatus =
  { state: 'read'; sealedFor?: string } | { state: 'sealed'; sealedFor: string } | { state: 'encrypted' };

export interface VerifyReport {
  /** Every check that could run holds: digests, canonical form, signature (if any), labels, replay. */
  ok: boolean;
  /**
   * What the bundle proves: `proven` only when every check holds, the histories were read and
   * replayed, and the signature is by a trusted key (pinned with --public-key or
   * $POORTWACHTER_AUDIT_PUBLIC_KEY); `unproven` when the checks hold but anyone could have made the
   * bundle (unsigned, or signed by a key nobody vouched for: the digests are recomputed as easily as
   * the content is changed); `unread` when digests and a trusted signature hold but the histories
   * could not be read (sealed, or encrypted) so the manifest's claims were not compared with them;
   * `failed` when a check fails.
   */
  verdict: 'proven' | 'unproven' | 'unread' | 'failed';
  /** Problems of the bundle as a whole (manifest, canonical form, signature). */
  problems: string[];
  signature: SignatureStatus;
  content: ContentStatus;
  manifest: Manifest;
  workflowCode: { exported: string; current?: string; same?: boolean };
  cases: CaseCheck[];
}

export interface VerifyOptions {
  /** PEM of the public key the signature must be made with; then an unsigned bundle fails too. */
  trustedPublicKeyPem?: string;
  /** Defaults to a fresh bundle of the current workflows/. */
  workflowBundle?: { code: string };
  payloadCodecs?: PayloadCodec[];
  /** Skip the replay (integrity and timeline only). */
  replay?: boolean;
  /**
   * Called once just before the replay, if one runs: where the SDK's Runtime (its logger) is
   * installed. Installed without a worker to follow, the Runtime keeps a process alive for ever.
   */
  beforeReplay?: () => void;
  /** PEM of the auditor's X25519 private key: opens a sealed bundle (SealKeyError if it is not its key). */
  auditorPrivateKeyPem?: string;
  /**
   * False when the payloads of a bundle that is not sealed cannot be decrypted here (no keys): only
   * the digests and the signature are checked, and the content is reported as not read.
   */
  readContent?: boolean;
}

/** Deeper than any history: a file nested past this is not a bundle (and would exhaust the stack). */
const MAX_DEPTH = 256;

export function parseBundle(text: string, source = 'the bundle'): AuditBundle {
  const depth = nestingDepth(text);
  if (depth > MAX_DEPTH) {
    throw new BundleFormatError(
      `${source} is not an audit bundle: it is nested ${depth} levels deep (at most ${MAX_DEPTH})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BundleFormatError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  const b = value as Partial<AuditBundle> | null;
  if (!b || typeof b !== 'object' || !b.manifest || typeof b.manifest !== 'object')
    throw new BundleFormatError(`${source} is not an audit bundle: it has no manifest`);
  const format = b.manifest.format as unknown;
  if (format !== BUNDLE_FORMAT && format !== SEALED_BUNDLE_FORMAT)
    throw new BundleFormatError(
      `${source} is not an audit bundle of format ${BUNDLE_FORMAT} or ${SEALED_BUNDLE_FORMAT} (format: ${JSON.stringify(format)})`,
    );
  const sealed = format === SEALED_BUNDLE_FORMAT;
  if (sealed) {
    const problem = sealInfoProblem(b.manifest.sealed);
    if (problem) throw new BundleFormatError(`${source} is not a sealed audit bundle: manifest.sealed ${problem}`);
  } else if (b.manifest.sealed !== undefined) {
    throw new BundleFormatError(`${source} is not an audit bundle: manifest.sealed in a bundle of format ${format}`);
  }
  if (!Array.isArray(b.histories) || !Array.isArray(b.manifest.cases))
    throw new BundleFormatError(`${source} is not an audit bundle: histories or manifest.cases is not a list`);
  b.manifest.cases.forEach((c: unknown, i) => {
    const at = `${source} is not an audit bundle: manifest.cases[${i}]`;
    const m = c as Partial<Record<keyof CaseManifest, unknown>> | null;
    if (!m || typeof m !== 'object') throw new BundleFormatError(`${at} is not an object`);
    for (const field of ['caseId', 'workflowId', 'workflowType', 'ruleset', 'sha256'] as const)
      if (typeof m[field] !== 'string') throw new BundleFormatError(`${at}.${field} is not text`);
    if (!Array.isArray(m.runs)) throw new BundleFormatError(`${at}.runs is not a list`);
    m.runs.forEach((r: unknown, j) => {
      const run = r as { runId?: unknown; sha256?: unknown; events?: unknown } | null;
      if (!run || typeof run.runId !== 'string' || typeof run.sha256 !== 'string')
        throw new BundleFormatError(`${at}.runs[${j}] needs runId and sha256 as text`);
      if (typeof run.events !== 'number' || !Number.isSafeInteger(run.events) || run.events < 0)
        throw new BundleFormatError(`${at}.runs[${j}].events is not a count`);
    });
  });
  b.histories.forEach((h: unknown, i) => {
    const stored = h as Partial<Record<keyof StoredHistory, unknown>> | null;
    const at = `${source} is not ${sealed ? 'a sealed' : 'an'} audit bundle: histories[${i}]`;
    if (
      !stored ||
      typeof stored !== 'object' ||
      typeof stored.workflowId !== 'string' ||
      typeof stored.runId !== 'string'
    )
      throw new BundleFormatError(`${at} needs workflowId and runId as text`);
    if (sealed) {
      // Nothing beside the sealed text: a plain copy next to it would be read by no check.
      const extra = Object.keys(stored).some((k) => !['workflowId', 'runId', 'sealed'].includes(k));
      if (extra || typeof stored.sealed !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(stored.sealed))
        throw new BundleFormatError(`${at} needs workflowId, runId and sealed (base64), and nothing else`);
    } else if (typeof stored.history !== 'object' || stored.history === null || stored.sealed !== undefined) {
      throw new BundleFormatError(`${at} needs a history`);
    }
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

function checkSignature(bundle: AuditBundle, trusted?: string): SignatureStatus {
  const s = bundle.signature;
  if (!s) return { state: 'unsigned' };
  if (s.algorithm !== 'Ed25519') return { state: 'invalid', reason: `unknown algorithm ${String(s.algorithm)}` };
  const key = trusted ?? s.publicKey;
  if (!signatureHolds(bundle.manifest, s, key)) {
    return {
      state: 'invalid',
      reason: trusted
        ? 'the manifest is not signed by the trusted public key'
        : 'the signature does not match the manifest and the public key in the bundle',
    };
  }
  let fingerprint = s.fingerprint;
  try {
    fingerprint = sha256(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  } catch {
    /* keep the recorded one */
  }
  return { state: 'valid', fingerprint, trusted: trusted !== undefined };
}

/** Checks a bundle (its file text): integrity, signature, replay, and derives each case's timeline. */
export async function verifyBundle(text: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const bundle = parseBundle(text);
  const problems: string[] = [];
  const seal = bundle.manifest.sealed;
  let unsealer: Unsealer | undefined;
  if (options.auditorPrivateKeyPem !== undefined) {
    if (!seal) throw new SealKeyError('is not needed: the bundle is not sealed');
    try {
      unsealer = new Unsealer(seal, options.auditorPrivateKeyPem);
    } catch (err) {
      if (!(err instanceof UnsealError)) throw err;
      problems.push(`the bundle does not open: ${err.message} (sealed.ephemeralPublicKey)`);
    }
  }
  const read = seal ? unsealer !== undefined : options.readContent !== false;
  const content: ContentStatus = seal
    ? { state: unsealer ? 'read' : 'sealed', sealedFor: seal.recipient }
    : read
      ? { state: 'read' }
      : { state: 'encrypted' };
  // A sealed bundle holds its payloads decrypted: the installation's codecs have nothing to do there.
  const payloadCodecs = seal ? undefined : options.payloadCodecs;

  if (serializeBundle(bundle) !== text)
    problems.push('the file is not in the canonical form it was written in: it was changed outside its values');
  if (sha256(canonical(bundle.manifest)) !== bundle.manifestSha256)
    problems.push('the manifest does not match its digest (manifestSha256): the manifest was changed');
  if (wholeDigest(bundle.manifest.cases) !== bundle.manifest.sha256)
    problems.push('the digest over all cases (manifest.sha256) does not match the cases listed');
  const signature = checkSignature(bundle, options.trustedPublicKeyPem);
  if (signature.state === 'invalid') problems.push(`signature: ${signature.reason}`);
  if (signature.state === 'unsigned' && options.trustedPublicKeyPem)
    problems.push('signature: the bundle is not signed, but a trusted public key was given');

  const listed = new Set(bundle.manifest.cases.flatMap((c) => c.runs.map((r) => `${c.workflowId}/${r.runId}`)));
  for (const h of bundle.histories)
    if (!listed.has(`${h.workflowId}/${h.runId}`))
      problems.push(`history of ${h.workflowId} run ${h.runId} is in the bundle but not in the manifest`);
  // A case listed twice would be counted and shown twice from one set of histories.
  const times = new Map<string, number>();
  for (const c of bundle.manifest.cases) times.set(c.workflowId, (times.get(c.workflowId) ?? 0) + 1);
  for (const [workflowId, n] of times)
    if (n > 1) problems.push(`${workflowId} is listed ${n} times in the manifest (cases)`);

  const cases: CaseCheck[] = [];
  const toReplay: { check: RunCheck; workflowId: string; history: History }[] = [];
  for (const c of bundle.manifest.cases) {
    const check: CaseCheck = {
      caseId: c.caseId,
      workflowId: c.workflowId,
      intact: true,
      replaysCleanly: false,
      problems: [],
      runs: [],
    };
    if (casesDigest(c.runs) !== c.sha256) check.problems.push(`case digest does not match its runs`);
    // The label must be the case's own: its workflow id follows from the case id.
    if (c.workflowId !== caseWorkflowId(c.caseId))
      check.problems.push(
        `labelled case ${c.caseId}, but its workflow id is ${c.workflowId}, not ${caseWorkflowId(c.caseId)}`,
      );
    const parsed: { runId: string; history: History }[] = [];
    for (const [i, r] of c.runs.entries()) {
      const name = `history ${i + 1} of ${c.runs.length} of case ${c.caseId} (${c.workflowId}, run ${r.runId})`;
      const run: RunCheck = { runId: r.runId, intact: true, replay: 'not-replayed' };
      check.runs.push(run);
      const stored = bundle.histories.filter((h) => h.workflowId === c.workflowId && h.runId === r.runId);
      if (stored.length !== 1) {
        run.intact = false;
        run.problem = `${name} is ${stored.length === 0 ? 'missing' : 'in the bundle more than once'}`;
      } else if (historyDigest(stored[0]!) !== r.sha256) {
        run.intact = false;
        run.problem = `${name} does not match its SHA-256 digest: it was changed`;
      } else if (read) {
        let history: History | undefined;
        try {
          history = readHistory(stored[0]!, unsealer);
        } catch (err) {
          run.intact = false;
          run.problem =
            err instanceof UnsealError
              ? `${name} is sealed, but ${err.message}`
              : `${name} cannot be read as a Temporal history: ${(err as Error).message}`;
        }
        if (history) {
          const claim = claimProblem(c, i, history);
          if (claim) {
            run.intact = false;
            run.problem = `${name} ${claim}`;
          }
          parsed.push({ runId: r.runId, history });
          toReplay.push({ check: run, workflowId: c.workflowId, history });
        }
      }
      if (run.problem) check.problems.push(run.problem);
    }
    check.intact = check.problems.length === 0;
    if (read && parsed.length === c.runs.length) {
      try {
        check.derived = await deriveCase(c.workflowId, parsed, { ...(payloadCodecs && { payloadCodecs }) });
        // What the history says the case is, against what the manifest claims.
        const d = check.derived;
        if (d.caseId !== c.caseId)
          check.problems.push(`the history is of case ${d.caseId}, but labelled case ${c.caseId}`);
        if (d.ruleset !== c.ruleset)
          check.problems.push(
            `case ${c.caseId}: the manifest says rule set ${c.ruleset} (ruleset), but its history follows ${d.ruleset}`,
          );
      } catch (err) {
        check.problems.push(`the case record cannot be derived: ${(err as Error).message}`);
      }
    }
    cases.push(check);
  }

  let current: string | undefined;
  if (options.replay !== false && toReplay.length > 0) {
    const workflowBundle: WorkflowBundle = options.workflowBundle ?? (await bundleCurrentWorkflows());
    current = await workflowCodeIdentity(workflowBundle);
    options.beforeReplay?.();
    const results = Worker.runReplayHistories(
      {
        workflowBundle,
        ...(payloadCodecs && { dataConverter: { payloadCodecs } }),
      },
      toReplay.map(({ workflowId, history }) => ({ workflowId, history })),
    );
    // Results come one per history, in the order given.
    let i = 0;
    for await (const result of results) {
      const { check } = toReplay[i++]!;
      if (result.error) {
        check.replay = 'diverged';
        check.divergence = firstLine(result.error);
      } else {
        check.replay = 'ok';
      }
    }
  }
  for (const c of cases) {
    c.replaysCleanly = c.runs.length > 0 && c.runs.every((r) => r.replay === 'ok');
    for (const r of c.runs)
      if (r.replay === 'diverged') c.problems.push(`run ${r.runId} does not replay: ${r.divergence}`);
  }

  const replayed = options.replay !== false && read;
  const ok =
    problems.length === 0 && cases.every((c) => c.intact && c.problems.length === 0 && (!replayed || c.replaysCleanly));
  const trusted = signature.state === 'valid' && signature.trusted;
  return {
    ok,
    verdict: !ok ? 'failed' : !trusted ? 'unproven' : !read ? 'unread' : 'proven',
    problems,
    signature,
    content,
    manifest: bundle.manifest,
    workflowCode: {
      exported: bundle.manifest.workflowCode?.sha256,
      ...(current && { current, same: current === bundle.manifest.workflowCode?.sha256 }),
    },
    cases,
  };
}

/** A stored history as a proto History: opened with the auditor's key when it is sealed. */
function readHistory(stored: StoredHistory, unsealer: Unsealer | undefined): History {
  const json =
    stored.sealed !== undefined
      ? JSON.parse(unsealer!.open(stored.workflowId, stored.runId, stored.sealed))
      : stored.history;
  return historyFromJSON(json);
}

/**
 * What the history of run `i` says of itself, against the manifest's claims: its workflow type, its
 * run id, its number of events, and its place in the continue-as-new chain (the run before it and the
 * run after it). Undefined when they agree; otherwise the difference, naming the manifest's field.
 */
function claimProblem(c: CaseManifest, i: number, history: History): string | undefined {
  const r = c.runs[i]!;
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) return 'does not begin with WorkflowExecutionStarted';
  const type = started.workflowType?.name;
  if (type !== c.workflowType)
    return `is a history of ${type ?? 'no workflow'}, not of ${c.workflowType} (workflowType)`;
  if (started.originalExecutionRunId !== r.runId)
    return `is the history of run ${started.originalExecutionRunId || '(none named)'} (runs[${i}].runId)`;
  const events = history.events?.length ?? 0;
  if (events !== r.events) return `has ${events} events, but the manifest says ${r.events} (runs[${i}].events)`;
  // The continue-as-new chain, both ways: each run names the one it continued from in its first
  // event and the one it continued into in its last.
  const listed = (runId: string) => c.runs.some((x) => x.runId === runId);
  const before = continuedFrom(history);
  const listedBefore = c.runs[i - 1]?.runId;
  if (before !== listedBefore) {
    if (!before) return `continues no run, but the manifest lists run ${listedBefore} before it (runs)`;
    if (!listed(before))
      return `continues run ${before}, which is not in the bundle: the case's earlier runs are missing (runs)`;
    return `continues run ${before}, but the manifest lists ${listedBefore ? `run ${listedBefore}` : 'no run'} before it (runs)`;
  }
  if (started.firstExecutionRunId && started.firstExecutionRunId !== c.runs[0]!.runId)
    return `belongs to the runs that began with run ${started.firstExecutionRunId}, not with run ${c.runs[0]!.runId} (runs)`;
  const after = continuedInto(history);
  const listedAfter = c.runs[i + 1]?.runId;
  if (after !== listedAfter) {
    if (!after) return `did not continue as new, but the manifest lists run ${listedAfter} after it (runs)`;
    if (!listed(after))
      return `continued as new into run ${after}, which is not in the bundle: the case's later runs are missing (runs)`;
    return `continued as new into run ${after}, but the manifest lists ${listedAfter ? `run ${listedAfter}` : 'no run'} after it (runs)`;
  }
  return undefined;
}

function firstLine(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  const text = `${error.name}: ${error.message}${cause instanceof Error ? ` (${cause.message})` : ''}`;
  return text.split('\n')[0]!.slice(0, 500);
}
