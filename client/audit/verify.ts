// Verifying an audit bundle: is it complete and unaltered (digests, canonical form, signature), does
// every history replay against the current workflow code, and what does each history say the case
// did (the derived timeline).
import type { PayloadCodec } from '@temporalio/common';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import {
  BUNDLE_FORMAT,
  bundleCurrentWorkflows,
  canonical,
  casesDigest,
  serializeBundle,
  sha256,
  signatureHolds,
  storedHistory,
  wholeDigest,
  workflowCodeIdentity,
  type AuditBundle,
  type Manifest,
} from './bundle.js';
import { deriveCase, type DerivedCase, type History } from './history.js';
import { createPublicKey } from 'node:crypto';
import { caseWorkflowId } from '../../workflows/case-model.js';

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

export interface VerifyReport {
  /** Every check holds: digests, canonical form, signature (if any), labels, replay. */
  ok: boolean;
  /**
   * What the bundle proves: `proven` only when every check holds and the signature is by a trusted
   * key (pinned with --public-key or $POORTWACHTER_AUDIT_PUBLIC_KEY); `unproven` when the checks hold
   * but anyone could have made the bundle (unsigned, or signed by a key nobody vouched for: the
   * digests are recomputed as easily as the content is changed); `failed` when a check fails.
   */
  verdict: 'proven' | 'unproven' | 'failed';
  /** Problems of the bundle as a whole (manifest, canonical form, signature). */
  problems: string[];
  signature: SignatureStatus;
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
  if (b.manifest.format !== BUNDLE_FORMAT)
    throw new BundleFormatError(
      `${source} is not an audit bundle of format ${BUNDLE_FORMAT} (format: ${JSON.stringify(b.manifest.format)})`,
    );
  if (!Array.isArray(b.histories) || !Array.isArray(b.manifest.cases))
    throw new BundleFormatError(`${source} is not an audit bundle: histories or manifest.cases is not a list`);
  b.manifest.cases.forEach((c: unknown, i) => {
    const at = `${source} is not an audit bundle: manifest.cases[${i}]`;
    const m = c as Partial<Record<'caseId' | 'workflowId' | 'workflowType' | 'sha256' | 'runs', unknown>> | null;
    if (!m || typeof m !== 'object') throw new BundleFormatError(`${at} is not an object`);
    for (const field of ['caseId', 'workflowId', 'sha256'] as const)
      if (typeof m[field] !== 'string') throw new BundleFormatError(`${at}.${field} is not text`);
    if (!Array.isArray(m.runs)) throw new BundleFormatError(`${at}.runs is not a list`);
    m.runs.forEach((r: unknown, j) => {
      const run = r as { runId?: unknown; sha256?: unknown } | null;
      if (!run || typeof run.runId !== 'string' || typeof run.sha256 !== 'string')
        throw new BundleFormatError(`${at}.runs[${j}] needs runId and sha256 as text`);
    });
  });
  b.histories.forEach((h: unknown, i) => {
    const stored = h as Partial<Record<'workflowId' | 'runId' | 'history', unknown>> | null;
    if (
      !stored ||
      typeof stored.workflowId !== 'string' ||
      typeof stored.runId !== 'string' ||
      typeof stored.history !== 'object'
    )
      throw new BundleFormatError(
        `${source} is not an audit bundle: histories[${i}] needs workflowId, runId and history`,
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
      } else if (sha256(canonical(stored[0]!.history)) !== r.sha256) {
        run.intact = false;
        run.problem = `${name} does not match its SHA-256 digest: it was changed`;
      } else {
        try {
          const history = storedHistory(stored[0]!);
          // What the history says of itself: its workflow type and its own run id.
          const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
          const type = started?.workflowType?.name;
          if (type !== c.workflowType) {
            run.intact = false;
            run.problem = `${name} is a history of ${type ?? 'no workflow'}, not of ${c.workflowType}`;
          } else if (started?.originalExecutionRunId && started.originalExecutionRunId !== r.runId) {
            run.intact = false;
            run.problem = `${name} is the history of run ${started.originalExecutionRunId}`;
          }
          parsed.push({ runId: r.runId, history });
          toReplay.push({ check: run, workflowId: c.workflowId, history });
        } catch (err) {
          run.intact = false;
          run.problem = `${name} cannot be read as a Temporal history: ${(err as Error).message}`;
        }
      }
      if (run.problem) check.problems.push(run.problem);
    }
    check.intact = check.problems.length === 0;
    if (parsed.length === c.runs.length) {
      try {
        check.derived = await deriveCase(c.workflowId, parsed, {
          ...(options.payloadCodecs && { payloadCodecs: options.payloadCodecs }),
        });
        // What the history says the case is, against what the manifest claims.
        const d = check.derived;
        if (d.caseId !== c.caseId)
          check.problems.push(`the history is of case ${d.caseId}, but labelled case ${c.caseId}`);
        if (c.ruleset && d.ruleset !== c.ruleset)
          check.problems.push(`the history follows rule set ${d.ruleset}, but the manifest says ${c.ruleset}`);
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
    const results = Worker.runReplayHistories(
      {
        workflowBundle,
        ...(options.payloadCodecs && { dataConverter: { payloadCodecs: options.payloadCodecs } }),
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

  const replayed = options.replay !== false;
  const ok =
    problems.length === 0 && cases.every((c) => c.intact && c.problems.length === 0 && (!replayed || c.replaysCleanly));
  const trusted = signature.state === 'valid' && signature.trusted;
  return {
    ok,
    verdict: !ok ? 'failed' : trusted ? 'proven' : 'unproven',
    problems,
    signature,
    manifest: bundle.manifest,
    workflowCode: {
      exported: bundle.manifest.workflowCode?.sha256,
      ...(current && { current, same: current === bundle.manifest.workflowCode?.sha256 }),
    },
    cases,
  };
}

function firstLine(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  const text = `${error.name}: ${error.message}${cause instanceof Error ? ` (${cause.message})` : ''}`;
  return text.split('\n')[0]!.slice(0, 500);
}
