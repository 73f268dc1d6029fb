// Audit bundles: the complete Temporal event history of every run of one or more case workflows,
// with a manifest that makes the record provable.
//
// Integrity, in layers:
// - every history has a SHA-256 digest (of its JSON text as stored in the bundle) in the manifest;
//   each case has a digest over its runs' digests, and the manifest one over all cases ("the whole");
// - `manifestSha256` is the digest of the manifest itself, so a changed manifest is noticed too;
// - the bundle is written as JSON lines (format /2), so that it is written and read as a stream
//   at any size: a header line with the format, one line per run's history in the manifest's order,
//   the manifest, and a last line with the manifest's digest and signature. A history's digest is
//   over its whole line (its workflow id, run id and history as written), so every changed byte of
//   a line is noticed, also whitespace; the other lines must be in their canonical (compact) form;
// - bundles of format /1 (one JSON document, 2-space indent, the digest over each history's compact
//   JSON) are still verified as they were written;
// - optionally the manifest is signed with Ed25519. Digests catch corruption; only the signature,
//   checked against a public key the auditor trusts, catches someone who recomputed the digests.
//
// A bundle is sealed for one auditor (`export --for`, format SEALED_BUNDLE_FORMAT): the payloads are
// decrypted with the exporter's keys and each history is then encrypted to the auditor's X25519 key
// (seal.ts). The digests and the signature are over the sealed texts, so anyone checks a sealed
// bundle's integrity without any key; only the auditor's private key reads and replays it.
//
// The workflow code identity is the SHA-256 of the workflow bundle code (bundleWorkflowCode output)
// the exporting machine builds from its workflows/ folder. It names the code version, not a proof:
// the bundle also depends on the bundler and dependency versions, so two machines with the same
// sources may differ. The real test of compatibility is the replay that `verify` runs.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { historyFromJSON, historyToJSON, JSONToPayload, payloadToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowBundle } from '@temporalio/worker';
import { ENCRYPTED_ENCODING } from '../../runtime/codec.js';
import { projectRoot } from '../../runtime/project.js';
import { bundleWorkflows } from '../../runtime/workflow-bundle.js';
import { continuedFrom, startInput, type DecodeOptions, type History } from './history.js';
import { Sealer, type SealInfo } from './seal.js';

export const BUNDLE_FORMAT = 'poortwachter-audit-bundle/2';
/** A bundle sealed for one auditor: a format of its own, so that an older verifier refuses it in words. */
export const SEALED_BUNDLE_FORMAT = 'poortwachter-sealed-audit-bundle/2';
/** The formats of before JSON lines: one JSON document each, verified still, no longer written. */
export const BUNDLE_FORMAT_V1 = 'poortwachter-audit-bundle/1';
export const SEALED_BUNDLE_FORMAT_V1 = 'poortwachter-sealed-audit-bundle/1';
export const BUNDLE_FORMATS = [BUNDLE_FORMAT, SEALED_BUNDLE_FORMAT, BUNDLE_FORMAT_V1, SEALED_BUNDLE_FORMAT_V1] as const;
export type BundleFormat = (typeof BUNDLE_FORMATS)[number];

export const isSealedFormat = (format: BundleFormat) =>
  format === SEALED_BUNDLE_FORMAT || format === SEALED_BUNDLE_FORMAT_V1;
export const isFormatV1 = (format: BundleFormat) => format === BUNDLE_FORMAT_V1 || format === SEALED_BUNDLE_FORMAT_V1;

export interface RunManifest {
  runId: string;
  events: number;
  /**
   * SHA-256 (hex) of the history's line, exactly as stored in the bundle (sealed or not), so that a
   * sealed one is checked without the auditor's key. In format /1: of the history's compact JSON
   * text, or of the sealed text (its base64).
   */
  sha256: string;
}

export interface CaseManifest {
  caseId: string;
  workflowId: string;
  workflowType: string;
  ruleset: string;
  /** Oldest run first; later runs were continued as new from the one before. */
  runs: RunManifest[];
  /** SHA-256 over the runs' digests (`runId sha256` lines). */
  sha256: string;
}

export interface Manifest {
  format: BundleFormat;
  exportedAt: string;
  project: { name: string; version: string };
  workflowCode: { sha256: string; meaning: string };
  cases: CaseManifest[];
  /** SHA-256 over the cases' digests (`workflowId sha256` lines): the whole bundle's histories. */
  sha256: string;
  /** In a sealed bundle: for whom, and the exporter's ephemeral key. */
  sealed?: SealInfo;
}

export interface BundleSignature {
  algorithm: 'Ed25519';
  /** The signer's public key (SPKI PEM), and its SHA-256 fingerprint. Trust it only if you know it. */
  publicKey: string;
  fingerprint: string;
  /** Base64 signature over the manifest's canonical JSON text. */
  value: string;
}

/** One run's history: `history` in a bundle, `sealed` in a sealed bundle (never both). */
export interface StoredHistory {
  workflowId: string;
  runId: string;
  /** The history as historyToJSON writes it (parsed). */
  history?: unknown;
  /** Sealed for the auditor (seal.ts): base64 of IV, ciphertext and tag of the history's JSON text. */
  sealed?: string;
}

export interface AuditBundle {
  manifest: Manifest;
  manifestSha256: string;
  signature?: BundleSignature;
  histories: StoredHistory[];
}

export const WORKFLOW_CODE_MEANING =
  'SHA-256 of the workflow bundle code (bundleWorkflowCode of workflows/index, with the failure converter) of the exporting installation; ' +
  'it changes with the workflow sources, the bundler and their dependencies';

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The JSON text a digest is taken over: the stored value serialised without whitespace. */
export function canonical(value: unknown): string {
  return JSON.stringify(value);
}

/** The first line of a bundle: its format, so that a reader knows it before anything else. */
export function headerLine(format: BundleFormat): string {
  return canonical({ format });
}

/** A run's line: its ids, then its history or its sealed text (nothing else). */
export function historyLine(stored: StoredHistory): string {
  const { workflowId, runId } = stored;
  return canonical(
    stored.sealed !== undefined
      ? { workflowId, runId, sealed: stored.sealed }
      : { workflowId, runId, history: stored.history },
  );
}

export function manifestLine(manifest: Manifest): string {
  return canonical({ manifest });
}

/** The last line: what proves the manifest (its digest and, when signed, the signature). */
export function closingLine(bundle: Pick<AuditBundle, 'manifestSha256' | 'signature'>): string {
  return canonical({ manifestSha256: bundle.manifestSha256, ...(bundle.signature && { signature: bundle.signature }) });
}

/** The one form a bundle file has (JSON lines, or format /1's document); verification refuses any other. */
export function serializeBundle(bundle: AuditBundle): string {
  if (isFormatV1(bundle.manifest.format)) return `${JSON.stringify(bundle, null, 2)}\n`;
  const lines = [headerLine(bundle.manifest.format), ...bundle.histories.map(historyLine)];
  lines.push(manifestLine(bundle.manifest), closingLine(bundle));
  return `${lines.join('\n')}\n`;
}

/** The digest a run's manifest entry holds: of its line; in format /1, of the stored JSON or sealed text. */
export function historyDigest(stored: StoredHistory, format: BundleFormat): string {
  if (!isFormatV1(format)) return sha256(historyLine(stored));
  return stored.sealed !== undefined ? sha256(stored.sealed) : sha256(canonical(stored.history));
}

export function casesDigest(runs: RunManifest[]): string {
  return sha256(runs.map((r) => `${r.runId} ${r.sha256}\n`).join(''));
}

export function wholeDigest(cases: CaseManifest[]): string {
  return sha256(cases.map((c) => `${c.workflowId} ${c.sha256}\n`).join(''));
}

export function projectIdentity(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

/** The workflow code identity: the SHA-256 of the bundled workflow code (see the file comment). */
export async function workflowCodeIdentity(bundle?: WorkflowBundle): Promise<string> {
  const code = bundle ?? (await bundleCurrentWorkflows());
  if (!('code' in code)) throw new Error('a workflow bundle given by path cannot be identified; pass its code');
  return sha256(code.code);
}

/** The workflow code as the worker bundles it (with the failure converter), so the replay runs what it runs. */
export async function bundleCurrentWorkflows(): Promise<{ code: string }> {
  const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  return bundleWorkflows(silent);
}

// --- keys and signatures --------------------------------------------------------------------------

export function generateSigningKeys(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function keyFingerprint(publicKey: KeyObject): string {
  return sha256(publicKey.export({ type: 'spki', format: 'der' }));
}

export function signManifest(manifest: Manifest, privateKeyPem: string): BundleSignature {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the signing key is not an Ed25519 key');
  const publicKey = createPublicKey(privateKey);
  return {
    algorithm: 'Ed25519',
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: keyFingerprint(publicKey),
    value: sign(null, Buffer.from(canonical(manifest)), privateKey).toString('base64'),
  };
}

export function signatureHolds(manifest: Manifest, signature: BundleSignature, publicKeyPem: string): boolean {
  try {
    const key = createPublicKey(publicKeyPem);
    return verify(null, Buffer.from(canonical(manifest)), key, Buffer.from(signature.value, 'base64'));
  } catch {
    return false;
  }
}

// --- export ---------------------------------------------------------------------------------------

export interface ExportOptions {
  /** Defaults to a fresh bundle of the current workflows/ (takes seconds). */
  workflowCodeSha256?: string;
  /** PEM of an Ed25519 private key: the manifest is signed with it. */
  signingKeyPem?: string;
  /**
   * PEM of an auditor's X25519 public key: the bundle is sealed for it, its payloads decrypted first
   * with `decode.payloadCodecs` (which must then open every encrypted payload).
   */
  sealForPem?: string;
  decode?: DecodeOptions;
  now?: () => Date;
  /** Called after each case is exported (for a progress bar). */
  onCase?: (done: number, total: number, workflowId: string) => void;
}

/** Every run of a workflow id, oldest first, following continue-as-new back from the latest run. */
export async function fetchRuns(client: Client, workflowId: string): Promise<{ runId: string; history: History }[]> {
  const latest = await client.workflow.getHandle(workflowId).describe();
  const runs: { runId: string; history: History }[] = [];
  const seen = new Set<string>();
  const fetch = async (runId: string) => {
    if (seen.has(runId)) throw new Error(`run ${runId} of ${workflowId} continues from itself`);
    seen.add(runId);
    return client.workflow.getHandle(workflowId, runId).fetchHistory();
  };
  let runId: string | undefined = latest.runId;
  while (runId) {
    const history = await fetch(runId);
    runs.unshift({ runId, history });
    runId = continuedFrom(history);
  }
  // The latest run may have continued as new between describe and its fetch: a bundle holds every
  // run up to the one running, or verification finds the chain cut off.
  for (let next = continuedInto(runs.at(-1)!.history); next; next = continuedInto(runs.at(-1)!.history))
    runs.push({ runId: next, history: await fetch(next) });
  return runs;
}

/** The run this one continued as new into, from its last event. */
export function continuedInto(history: History): string | undefined {
  return history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId || undefined;
}

const ENCRYPTED = Buffer.from(ENCRYPTED_ENCODING).toString('base64');

/**
 * Replaces every encrypted payload in a history's JSON form (input, results, updates, failures,
 * memo, headers: wherever the codec put one) by its decrypted original, in place. A payload the
 * codecs cannot open fails the whole: a sealed bundle must be readable with the auditor's key alone.
 * Returns how many it decrypted.
 */
export async function decryptPayloads(value: unknown, codecs: PayloadCodec[]): Promise<number> {
  // Found first, then opened in one call per codec: a history holds hundreds of payloads.
  const found: { holder: Record<string | number, unknown>; key: string | number }[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const holder = node as Record<string | number, unknown>;
    for (const [key, item] of Array.isArray(node) ? node.entries() : Object.entries(holder)) {
      if (isEncryptedPayload(item)) found.push({ holder, key });
      else walk(item);
    }
  };
  walk(value);
  if (found.length === 0) return 0;
  let decoded = found.map(
    ({ holder, key }) => JSONToPayload(holder[key] as Parameters<typeof JSONToPayload>[0]) as Payload,
  );
  for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
  found.forEach(({ holder, key }, i) => (holder[key] = payloadToJSON(decoded[i]!)));
  return found.length;
}

/** Whether a history's JSON form (or anything holding histories) has a payload encrypted by the codec. */
export function holdsEncryptedPayloads(value: unknown): boolean {
  if (isEncryptedPayload(value)) return true;
  if (Array.isArray(value)) return value.some(holdsEncryptedPayloads);
  if (value && typeof value === 'object') return Object.values(value).some(holdsEncryptedPayloads);
  return false;
}

function isEncryptedPayload(value: unknown): boolean {
  const metadata = (value as { metadata?: { encoding?: unknown } } | null)?.metadata;
  return typeof value === 'object' && value !== null && metadata?.encoding === ENCRYPTED;
}

/** Where a bundle's lines go, one at a time (without their newline). */
export interface LineSink {
  write(line: string): Promise<void>;
}

/**
 * Writes a bundle case by case: each run's line goes to the sink as soon as it is made, and only the
 * manifest's entries are kept, so that a bundle of any size is written in bounded memory.
 */
export class BundleWriter {
  private readonly manifests: CaseManifest[] = [];
  private readonly sealer?: Sealer;
  private readonly codecs?: PayloadCodec[];
  readonly format: BundleFormat;

  constructor(
    private readonly sink: LineSink,
    private readonly options: ExportOptions & { workflowCodeSha256: string },
  ) {
    this.codecs = options.decode?.payloadCodecs;
    if (options.sealForPem && !this.codecs?.length)
      throw new Error('sealing a bundle needs the payload codecs: the payloads are decrypted before they are sealed');
    // One ephemeral key for the whole bundle; it is forgotten with this object.
    if (options.sealForPem) this.sealer = new Sealer(options.sealForPem);
    this.format = this.sealer ? SEALED_BUNDLE_FORMAT : BUNDLE_FORMAT;
  }

  async begin(): Promise<void> {
    await this.sink.write(headerLine(this.format));
  }

  /** Writes the runs of one case workflow (oldest first); returns what was stored of each. */
  async addCase(workflowId: string, runs: { runId: string; history: History }[]): Promise<StoredHistory[]> {
    // Without the codec of encrypted payloads the input cannot be read: the ids still come from the
    // workflow id, the rule set is then unknown (the histories are exported all the same).
    const input = await startInput(runs[0]!.history, this.options.decode).catch(() => undefined);
    // Only a case workflow's input names its case (an import's does not).
    const open =
      input && 'open' in input ? input.open : input && 'continued' in input ? input.continued?.open : undefined;
    const workflowType = runs[0]!.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
    const runManifests: RunManifest[] = [];
    const stored: StoredHistory[] = [];
    for (const { runId, history } of runs) {
      const json = JSON.parse(historyToJSON(history)) as unknown;
      let one: StoredHistory;
      if (this.sealer) {
        await decryptPayloads(json, this.codecs!);
        one = { workflowId, runId, sealed: this.sealer.seal(workflowId, runId, canonical(json)) };
      } else {
        one = { workflowId, runId, history: json };
      }
      const line = historyLine(one);
      await this.sink.write(line);
      stored.push(one);
      runManifests.push({ runId, events: history.events?.length ?? 0, sha256: sha256(line) });
    }
    this.manifests.push({
      caseId: open?.caseId ?? workflowId.replace(/^case-/, ''),
      workflowId,
      workflowType: workflowType ?? 'unknown',
      ruleset: open?.ruleset ?? 'unknown (payloads not decodable)',
      runs: runManifests,
      sha256: casesDigest(runManifests),
    });
    return stored;
  }

  /** Writes the manifest and the closing line; returns them. */
  async finish(): Promise<Omit<AuditBundle, 'histories'>> {
    const manifest: Manifest = {
      format: this.format,
      exportedAt: (this.options.now ?? (() => new Date()))().toISOString(),
      project: projectIdentity(),
      workflowCode: { sha256: this.options.workflowCodeSha256, meaning: WORKFLOW_CODE_MEANING },
      cases: this.manifests,
      sha256: wholeDigest(this.manifests),
      ...(this.sealer && { sealed: this.sealer.info }),
    };
    const proof = {
      manifestSha256: sha256(canonical(manifest)),
      ...(this.options.signingKeyPem && { signature: signManifest(manifest, this.options.signingKeyPem) }),
    };
    await this.sink.write(manifestLine(manifest));
    await this.sink.write(closingLine(proof));
    return { manifest, ...proof };
  }
}

const nowhere: LineSink = { write: async () => {} };

/** Builds a bundle in memory from the runs of the given workflows (already fetched). */
export async function buildBundle(
  cases: { workflowId: string; runs: { runId: string; history: History }[] }[],
  options: ExportOptions = {},
): Promise<AuditBundle> {
  const workflowCodeSha256 = options.workflowCodeSha256 ?? (await workflowCodeIdentity());
  const writer = new BundleWriter(nowhere, { ...options, workflowCodeSha256 });
  const histories: StoredHistory[] = [];
  for (const { workflowId, runs } of cases) histories.push(...(await writer.addCase(workflowId, runs)));
  return { ...(await writer.finish()), histories };
}

/** Histories fetched at once by an export: enough to keep the server busy, few enough not to swamp it. */
const EXPORT_FETCHES = 8;

/**
 * Exports the given case workflows from the server, in order, to `sink` (a file, as JSON lines):
 * several histories are on their way at once (each fetch mostly waits on the server), and no more
 * than that are held in memory.
 */
export async function writeBundle(
  client: Client,
  workflowIds: string[],
  sink: LineSink,
  options: ExportOptions = {},
  /** Where the stored histories are also kept (an export in memory), if anywhere. */
  kept?: StoredHistory[],
): Promise<Omit<AuditBundle, 'histories'>> {
  const workflowCodeSha256 = options.workflowCodeSha256 ?? (await workflowCodeIdentity());
  const writer = new BundleWriter(sink, { ...options, workflowCodeSha256 });
  await writer.begin();
  const fetching: { workflowId: string; runs: ReturnType<typeof fetchRuns> }[] = [];
  let next = 0;
  for (let done = 0; done < workflowIds.length; done++) {
    while (fetching.length < EXPORT_FETCHES && next < workflowIds.length) {
      const workflowId = workflowIds[next++]!;
      const runs = fetchRuns(client, workflowId);
      // Its failure is met when its turn comes; until then it must not count as unhandled.
      runs.catch(() => {});
      fetching.push({ workflowId, runs });
    }
    const { workflowId, runs } = fetching.shift()!;
    const stored = await writer.addCase(workflowId, await runs);
    kept?.push(...stored);
    options.onCase?.(done + 1, workflowIds.length, workflowId);
  }
  return writer.finish();
}

/** Exports the given case workflows from the server into one bundle in memory (a few cases: the service). */
export async function exportBundle(
  client: Client,
  workflowIds: string[],
  options: ExportOptions = {},
): Promise<AuditBundle> {
  const histories: StoredHistory[] = [];
  return { ...(await writeBundle(client, workflowIds, nowhere, options, histories)), histories };
}

/** A stored (not sealed) history back as a proto History (for replay and decoding). */
export function storedHistory(stored: StoredHistory): History {
  return historyFromJSON(stored.history);
}
