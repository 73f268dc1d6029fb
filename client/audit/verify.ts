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
  ok: boolean;
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

export function parseBundle(text: string, source = 'the bundle'): AuditBundle {
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
  return b as AuditBundle;
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
  return {
    ok:
      problems.length === 0 &&
      cases.every((c) => c.intact && c.problems.length === 0 && (!replayed || c.replaysCleanly)),
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
