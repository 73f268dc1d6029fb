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
import { createPublicKey } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { caseWorkflowId } from '../../workflows/case-model.js';
import {
  bundleCurrentWorkflows,
  canonical,
  casesDigest,
  continuedInto,
  decryptPayloads,
  sha256,
  signatureHolds,
  wholeDigest,
  workflowCodeIdentity,
  type BundleSignature,
  type CaseManifest,
  type Manifest,
  type StoredHistory,
} from './bundle.js';
import { BundleFormatError, openBundle, type BundleSource } from './bundle-reader.js';
import { continuedFrom, deriveCase, type DerivedCase, type History } from './history.js';
import { ReplayPool, type ReplayOutcome } from './replay-pool.js';
import { SealKeyError, Unsealer, UnsealError } from './seal.js';

export { BundleFormatError, SealKeyError };

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
  /** Threads that replay at once (default: one per core, at most eight). */
  replayThreads?: number;
  /** The level of the SDK's own logs during the replay, on standard error (default: warn). */
  replayLogLevel?: string;
  /**
   * Each case's check as soon as it is complete, in the manifest's order (a missing run makes its
   * case come last); the report then keeps the checks without their timelines.
   */
  onCase?: (check: CaseCheck, content: ContentStatus) => void | Promise<void>;
  /** PEM of the auditor's X25519 private key: opens a sealed bundle (SealKeyError if it is not its key). */
  auditorPrivateKeyPem?: string;
  /**
   * False when the payloads of a bundle that is not sealed cannot be decrypted here (no keys): only
   * the digests and the signature are checked, and the content is reported as not read.
   */
  readContent?: boolean;
}

function checkSignature(manifest: Manifest, s: BundleSignature | undefined, trusted?: string): SignatureStatus {
  if (!s) return { state: 'unsigned' };
  if (s.algorithm !== 'Ed25519') return { state: 'invalid', reason: `unknown algorithm ${String(s.algorithm)}` };
  const key = trusted ?? s.publicKey;
  if (!signatureHolds(manifest, s, key)) {
    return {
      state: 'invalid',
      reason: trusted
        ? 'the manifest is not signed by the trusted public key'
        : 'the signature does not match the manifest and the public key in the bundle',
    };
  }
  const fingerprint = fingerprintOf(key);
  // What the bundle says of its signer must be true too: its key, and that key's fingerprint.
  const written = fingerprintOf(s.publicKey);
  if (written !== fingerprint || s.fingerprint !== written)
    return {
      state: 'invalid',
      reason:
        written !== fingerprint
          ? 'the public key written in the bundle is not the trusted key that signed it'
          : 'the fingerprint written in the bundle is not that of its public key',
    };
  return { state: 'valid', fingerprint: fingerprint!, trusted: trusted !== undefined };
}

/** The SHA-256 fingerprint of a public key (PEM), or undefined when it is none. */
function fingerprintOf(pem: unknown): string | undefined {
  try {
    return sha256(createPublicKey(String(pem)).export({ type: 'spki', format: 'der' }));
  } catch {
    return undefined;
  }
}

/** A case while its histories come in: what arrived of each run, and its check so far. */
interface CaseInProgress {
  manifest: CaseManifest;
  check: CaseCheck;
  /** Per run: the history read, once it arrived and opened, with what the replay needs of it. */
  read: ({ history: History; replay: ReplaySource } | undefined)[];
  arrived: boolean[];
  done: boolean;
}

const runName = (c: CaseManifest, i: number) =>
  `history ${i + 1} of ${c.runs.length} of case ${c.caseId} (${c.workflowId}, run ${c.runs[i]!.runId})`;

/**
 * Checks a bundle (its text, or a file read as a stream): integrity, signature, replay on every
 * core, and derives each case's timeline. With `onCase`, each case's check goes there as soon as it
 * is complete (in the manifest's order) and the report keeps it without its timeline, so that a
 * bundle of any size is verified in bounded memory.
 */
export async function verifyBundle(input: string | BundleSource, options: VerifyOptions = {}): Promise<VerifyReport> {
  const source = typeof input === 'string' ? { text: input } : input;
  const bundle = await openBundle(source, 'path' in source ? source.path : 'the bundle');
  const { manifest } = bundle;
  const problems: string[] = [...bundle.formProblems];
  const seal = manifest.sealed;
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

  if (sha256(canonical(manifest)) !== bundle.manifestSha256)
    problems.push('the manifest does not match its digest (manifestSha256): the manifest was changed');
  if (wholeDigest(manifest.cases) !== manifest.sha256)
    problems.push('the digest over all cases (manifest.sha256) does not match the cases listed');
  const signature = checkSignature(manifest, bundle.signature, options.trustedPublicKeyPem);
  if (signature.state === 'invalid') problems.push(`signature: ${signature.reason}`);
  if (signature.state === 'unsigned' && options.trustedPublicKeyPem)
    problems.push('signature: the bundle is not signed, but a trusted public key was given');
  // A case listed twice would be counted and shown twice from one set of histories.
  const times = new Map<string, number>();
  for (const c of manifest.cases) times.set(c.workflowId, (times.get(c.workflowId) ?? 0) + 1);
  for (const [workflowId, n] of times)
    if (n > 1) problems.push(`${workflowId} is listed ${n} times in the manifest (cases)`);

  const cases = manifest.cases.map((c) => startCase(c));
  // Each run's place in the file: the manifest's order, case by case, oldest run first.
  const byRun = new Map<string, { entry: CaseInProgress; i: number; place: number }>();
  for (const entry of cases)
    entry.manifest.runs.forEach((r, i) => {
      // A case listed twice (a problem of its own, above) is read under its first listing.
      const key = `${entry.manifest.workflowId}/${r.runId}`;
      if (!byRun.has(key)) byRun.set(key, { entry, i, place: byRun.size });
    });
  let nextPlace = 0;

  const replaying = options.replay !== false && read;
  const workflowBundle = replaying ? (options.workflowBundle ?? (await bundleCurrentWorkflows())) : undefined;
  const current = workflowBundle && (await workflowCodeIdentity(workflowBundle));
  const pool =
    workflowBundle &&
    new ReplayPool(workflowBundle.code, {
      ...(options.replayThreads && { threads: options.replayThreads }),
      ...(options.replayLogLevel && { logLevel: options.replayLogLevel }),
    });

  // Each case is handed on when its replays are done, in the order the cases were completed.
  let handedOn: Promise<void> = Promise.resolve();
  const complete = async (entry: CaseInProgress) => {
    entry.done = true;
    // Not awaited here: the next cases are read while this one's histories replay.
    const { replayed } = await settle(entry);
    handedOn = handedOn.then(async () => {
      await replayed;
      await handOn(entry.check);
    });
    // A failure here (the caller's onCase) is thrown by the last await, not reported as unhandled.
    handedOn.catch(() => {});
  };
  const handOn = async (check: CaseCheck) => {
    check.replaysCleanly = check.runs.length > 0 && check.runs.every((r) => r.replay === 'ok');
    for (const r of check.runs)
      if (r.replay === 'diverged') check.problems.push(`run ${r.runId} does not replay: ${r.divergence}`);
    if (options.onCase) {
      await options.onCase(check, content);
      delete check.derived;
    }
  };

  /** Derives the case from its histories and sends them to be replayed; `replayed` settles when they are. */
  const settle = async (entry: CaseInProgress): Promise<{ replayed: Promise<void> }> => {
    const { manifest: c, check } = entry;
    check.runs.forEach((run, i) => {
      if (!entry.arrived[i] && !run.problem) {
        run.intact = false;
        run.problem = `${runName(c, i)} is missing`;
      }
      if (run.problem) check.problems.push(run.problem);
    });
    check.intact = check.problems.length === 0;
    const parsed = entry.read.flatMap((r, i) => (r ? [{ runId: c.runs[i]!.runId, history: r.history }] : []));
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
    const replays: Promise<void>[] = [];
    for (const [i, r] of entry.read.entries()) {
      entry.read[i] = undefined;
      const run = check.runs[i]!;
      // A history that is not what the manifest says is not replayed: it fails the case already.
      if (!pool || !r || !run.intact) continue;
      await pool.whenFree();
      replays.push(
        replayOne(pool, c.workflowId, r.replay, payloadCodecs).then(
          (divergence) => {
            run.replay = divergence === undefined ? 'ok' : 'diverged';
            if (divergence !== undefined) run.divergence = divergence;
          },
          (err: Error) => {
            run.divergence = `could not be replayed: ${err.message}`;
            run.replay = 'diverged';
          },
        ),
      );
    }
    return { replayed: Promise.all(replays).then(() => undefined) };
  };

  try {
    for await (const record of bundle.records()) {
      if (record.problem) {
        problems.push(record.problem);
        continue;
      }
      const stored = record.stored!;
      const at = byRun.get(`${stored.workflowId}/${stored.runId}`);
      if (!at) {
        problems.push(`history of ${stored.workflowId} run ${stored.runId} is in the bundle but not in the manifest`);
        continue;
      }
      const { entry, i, place } = at;
      const c = entry.manifest;
      const run = entry.check.runs[i]!;
      if (entry.arrived[i]) {
        // Its case may be handed on already: the bundle as a whole fails.
        problems.push(`${runName(c, i)} is in the bundle more than once`);
        run.intact = false;
        continue;
      }
      entry.arrived[i] = true;
      // A line later than its place is fine (one before it is missing, and said so); an earlier one was moved.
      if (place < nextPlace)
        problems.push(`${record.position} holds ${runName(c, i)} out of the manifest's order: the lines were moved`);
      nextPlace = Math.max(nextPlace, place + 1);
      if (record.digest !== c.runs[i]!.sha256) {
        run.intact = false;
        run.problem = `${runName(c, i)} does not match its SHA-256 digest: it was changed`;
      } else if (read) {
        try {
          const replay = replaySource(stored, record.line, unsealer);
          const history = historyFromJSON(replay.json);
          const claim = claimProblem(c, i, history);
          if (claim) {
            run.intact = false;
            run.problem = `${runName(c, i)} ${claim}`;
          }
          entry.read[i] = { history, replay };
        } catch (err) {
          run.intact = false;
          run.problem =
            err instanceof UnsealError
              ? `${runName(c, i)} is sealed, but ${err.message}`
              : `${runName(c, i)} cannot be read as a Temporal history: ${(err as Error).message}`;
        }
      }
      if (entry.arrived.every(Boolean) && !entry.done) await complete(entry);
    }
    for (const entry of cases) if (!entry.done) await complete(entry);
    await handedOn;
  } finally {
    await pool?.close();
  }

  const checks = cases.map((e) => e.check);
  const ok =
    problems.length === 0 &&
    checks.every((c) => c.intact && c.problems.length === 0 && (!replaying || c.replaysCleanly));
  const trusted = signature.state === 'valid' && signature.trusted;
  return {
    ok,
    verdict: !ok ? 'failed' : !trusted ? 'unproven' : !read ? 'unread' : 'proven',
    problems,
    signature,
    content,
    manifest,
    workflowCode: {
      exported: manifest.workflowCode?.sha256,
      ...(current && { current, same: current === manifest.workflowCode?.sha256 }),
    },
    cases: checks,
  };
}

function startCase(c: CaseManifest): CaseInProgress {
  const check: CaseCheck = {
    caseId: c.caseId,
    workflowId: c.workflowId,
    intact: true,
    replaysCleanly: false,
    problems: [],
    runs: c.runs.map((r) => ({ runId: r.runId, intact: true, replay: 'not-replayed' as const })),
  };
  if (casesDigest(c.runs) !== c.sha256) check.problems.push(`case digest does not match its runs`);
  // The label must be the case's own: its workflow id follows from the case id.
  if (c.workflowId !== caseWorkflowId(c.caseId))
    check.problems.push(
      `labelled case ${c.caseId}, but its workflow id is ${c.workflowId}, not ${caseWorkflowId(c.caseId)}`,
    );
  return { manifest: c, check, read: c.runs.map(() => undefined), arrived: c.runs.map(() => false), done: false };
}

/** A history as the replay gets it: its JSON form, and the text that holds it (sent as it is). */
interface ReplaySource {
  json: unknown;
  text: string;
  inLine: boolean;
}

/**
 * Replays one history on the pool. Encrypted payloads are decrypted here first (in its JSON form,
 * which nobody reads after), and the history sent as new text: the replay threads never hold a key.
 */
async function replayOne(
  pool: ReplayPool,
  workflowId: string,
  source: ReplaySource,
  codecs: PayloadCodec[] | undefined,
): Promise<ReplayOutcome> {
  if (codecs?.length && (await decryptPayloads(source.json, codecs)) > 0)
    return pool.replay({ workflowId, text: JSON.stringify(source.json) });
  return pool.replay({ workflowId, text: source.text, inLine: source.inLine });
}

/** A stored history's JSON form and its text: opened with the auditor's key when it is sealed. */
function replaySource(stored: StoredHistory, line: string | undefined, unsealer: Unsealer | undefined): ReplaySource {
  if (stored.sealed !== undefined) {
    const text = unsealer!.open(stored.workflowId, stored.runId, stored.sealed);
    return { json: JSON.parse(text), text, inLine: false };
  }
  // Format /1 keeps no line: the history is written out again.
  return line !== undefined
    ? { json: stored.history, text: line, inLine: true }
    : { json: stored.history, text: JSON.stringify(stored.history), inLine: false };
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
