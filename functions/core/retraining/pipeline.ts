import { joinKey, openLocation } from '../storage/location.ts';
import { openRegistry } from '../registry/registry.ts';
import { readJsonIfPresent } from '../storage/json-object.ts';

/**
 * The retraining state machine's steps, free of Lambda: prepare -> (training job) -> evaluate ->
 * (gate) -> register -> deploy, and rollback when deploy fails; the evaluate step is in evaluate.ts,
 * the only one that runs models (so the only one whose function ships onnxruntime-node). The registry follows the layout of
 * functions/core/registry: `<model>/versions/<version>/{model.onnx,model.json,lineage.json}`, immutable,
 * and `<model>/production.json`, the production pointer `{ version, sha256, promotedAt, previous[] }`.
 */

export interface PointerEntry {
  readonly version: string;
  readonly sha256: string;
  readonly promotedAt: string;
}
export interface ProductionPointer extends PointerEntry {
  readonly previous: PointerEntry[];
}

export const versionKey = (model: string, version: string) => `${model}/versions/${version}`;
export const productionKey = (model: string) => `${model}/production.json`;

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);


export async function readPointer(registryUri: string, model: string): Promise<ProductionPointer | undefined> {
  const at = openLocation(registryUri);
  return (await readJsonIfPresent(at.store, joinKey(at.key, productionKey(model)))) as ProductionPointer | undefined;
}

const semver = (v: string) => /^(\d+)\.(\d+)\.(\d+)/.exec(v)?.slice(1, 4).map(Number) ?? [0, 0, 0];
const newer = (a: string, b: string) => {
  const [x, y] = [semver(a), semver(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return false;
};

/** What the run needs before training: production as it stands, the candidate's version and the training job's name. */
export interface Prepared {
  /** The production pointer at the start, restored by rollback; null when the model has none yet. */
  readonly production: ProductionPointer | null;
  /** The production package's URI, or null. */
  readonly productionUri: string | null;
  /** The next minor version above every registered one. */
  readonly candidateVersion: string;
  readonly trainingJobName: string;
}

export async function prepareRun(input: { model: string; registryUri: string; now?: Date }): Promise<Prepared> {
  const { model, registryUri } = input;
  const at = openLocation(registryUri);
  const production = (await readPointer(registryUri, model)) ?? null;
  const versionsPrefix = joinKey(at.key, `${model}/versions/`);
  const versions = new Set((await at.store.list(versionsPrefix)).map((o) => o.key.slice(versionsPrefix.length).split('/')[0]!));
  if (production) versions.add(production.version);
  const latest = [...versions].reduce((best, v) => (newer(v, best) ? v : best), '0.0.0');
  const [major, minor] = semver(latest);
  const candidateVersion = `${major}.${minor! + 1}.0`;
  const stamp = (input.now ?? new Date()).toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);
  // Training job names: at most 63 characters, letters, digits and dashes.
  const trainingJobName = `${model}-${candidateVersion.replaceAll('.', '-')}-${stamp}`.slice(0, 63).replace(/-+$/, '');
  return {
    production,
    productionUri: production ? at.store.uri(joinKey(at.key, versionKey(model, production.version))) : null,
    candidateVersion,
    trainingJobName,
  };
}

export interface RegisterInput {
  readonly model: string;
  readonly version: string;
  readonly candidateUri: string;
  readonly registryUri: string;
  readonly parentVersion: string | null;
  readonly trainingJob: string;
  readonly dataUris: readonly string[];
}

/**
 * Registers the candidate with the model registry (functions/core/registry): immutable, its SHA-256
 * checked against model.json, its lineage (training job, data URIs, metrics, parent) beside it.
 */
export async function registerCandidate(input: RegisterInput): Promise<{ uri: string; version: string; sha256: string }> {
  const declared = JSON.parse(decode(await readBytesAt(joinKey(input.candidateUri, 'model.json')))) as { name: string; version: string };
  if (declared.name !== input.model || declared.version !== input.version) throw new Error(`the candidate is ${declared.name}@${declared.version}, expected ${input.model}@${input.version}`);
  const result = await openRegistry(input.registryUri).register(input.candidateUri, {
    ...(input.parentVersion ? { parentVersion: input.parentVersion } : {}),
    trainingJob: input.trainingJob,
    dataUris: input.dataUris,
  });
  if (!result.created) throw new Error(`${input.model}@${input.version} was already registered (${result.uri}): a run never reuses a version`);
  return { uri: result.uri, version: result.version, sha256: result.sha256 };
}

async function readBytesAt(uri: string): Promise<Uint8Array> {
  const at = openLocation(uri);
  return at.store.readBytes(at.key);
}

/** Moves the production pointer to `version` through the registry; returns the new pointer. */
export async function promote(input: { registryUri: string; model: string; version: string }): Promise<ProductionPointer> {
  return (await openRegistry(input.registryUri).promote(input.model, input.version)).pointer;
}

/**
 * After a failed deploy: moves the pointer back to the version before the run with the registry's
 * rollback, but only while it still names the candidate (a promotion made by someone else since is kept).
 * With no production version before the run there is nothing to return to: that is an error, for a person.
 */
export async function restorePointer(input: { registryUri: string; model: string; candidateVersion: string; before: ProductionPointer | null }): Promise<{ restored: boolean; reason: string; pointer: ProductionPointer | null }> {
  const registry = openRegistry(input.registryUri);
  const current = (await registry.production(input.model)) ?? null;
  if (!current || current.version !== input.candidateVersion) {
    const reason = current?.version === input.before?.version ? 'the pointer was never moved' : `the pointer names ${current?.version ?? 'nothing'}, not the candidate: left as is`;
    return { restored: false, reason, pointer: current };
  }
  if (!input.before) {
    throw new Error(`${input.model} had no production version before this run, so the pointer cannot go back: it names the failed candidate ${input.candidateVersion}; fix it with npm run models -- promote|rollback`);
  }
  const change = await registry.rollback(input.model);
  return { restored: true, reason: `production is ${change.to} again`, pointer: change.pointer };
}
