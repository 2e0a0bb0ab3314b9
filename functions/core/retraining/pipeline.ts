import { parse as parseCsv } from 'csv-parse/sync';
import { loadModel } from '../load.ts';
import type { Model } from '../model.ts';
import { sha256 } from '../model.ts';
import { classificationMetrics, regressionMetrics } from '../quality/metrics.ts';
import { joinKey, type Location, openLocation } from '../storage/location.ts';
import { readTarGz } from './tar.ts';

/**
 * The retraining state machine's steps, free of Lambda: prepare -> (training job) -> evaluate ->
 * (gate) -> register -> deploy, and rollback when deploy fails. The registry follows the layout of
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

const PREVIOUS_KEPT = 20;
export const versionKey = (model: string, version: string) => `${model}/versions/${version}`;
export const productionKey = (model: string) => `${model}/production.json`;

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function readJsonIfExists<T>(at: Location, key: string): Promise<T | undefined> {
  if (!(await at.store.head(key))) return undefined;
  return JSON.parse(decode(await at.store.readBytes(key))) as T;
}

export async function readPointer(registryUri: string, model: string): Promise<ProductionPointer | undefined> {
  const at = openLocation(registryUri);
  return readJsonIfExists<ProductionPointer>(at, joinKey(at.key, productionKey(model)));
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

/** Rows of every CSV under `uri` (one object, or a prefix of `.csv` objects), header row first in each. */
export async function readCsvRows(uri: string): Promise<Record<string, string>[]> {
  const at = openLocation(uri);
  const objects = (await at.store.list(at.key)).filter((o) => o.key === at.key || o.key.endsWith('.csv'));
  if (objects.length === 0) throw new Error(`no CSV under ${uri}`);
  const rows: Record<string, string>[] = [];
  for (const object of objects) rows.push(...(parseCsv(decode(await at.store.readBytes(object.key)), { columns: true, skip_empty_lines: true }) as Record<string, string>[]));
  return rows;
}

/** Holdout metrics of a model over rows holding its features and the target column. */
export async function scoreHoldout(model: Model, rows: readonly Record<string, string>[], target: string): Promise<Record<string, number>> {
  const pkg = model.pkg;
  if (rows.length === 0) throw new Error('the holdout set is empty');
  const instances = rows.map((row) =>
    Object.fromEntries(pkg.features.map((f) => [f.name, f.type === 'numeric' ? (row[f.name] === '' || row[f.name] === undefined ? null : Number(row[f.name])) : (row[f.name] ?? null)])),
  );
  const predictions = [];
  for (let i = 0; i < instances.length; i += 500) predictions.push(...(await model.predict(instances.slice(i, i + 500))));
  if (pkg.task === 'regression') {
    return regressionMetrics(rows.map((r) => Number(r[target])), predictions.map((p) => (p as { value: number }).value));
  }
  const labels = pkg.outputs[0]!.labels ?? [];
  const actual = rows.map((r, i) => {
    const value = r[target];
    if (value === undefined) throw new Error(`holdout row ${i + 1} has no target column "${target}"`);
    const index = labels.indexOf(value);
    if (index >= 0) return index;
    const n = Number(value);
    if (Number.isInteger(n) && n >= 0 && n < labels.length) return n;
    throw new Error(`holdout row ${i + 1}: "${value}" is not one of ${labels.join(', ')}`);
  });
  const probabilities = predictions.map((p) => {
    const probs = (p as { probabilities?: Record<string, number> }).probabilities;
    if (!probs) throw new Error(`${pkg.name}@${pkg.version} returns no probabilities: its first output must be probabilities to be evaluated`);
    return labels.map((l) => probs[l]!);
  });
  return classificationMetrics(actual, probabilities);
}

export interface EvaluateInput {
  readonly model: string;
  readonly candidateVersion: string;
  /** The training job's `model.tar.gz`. */
  readonly modelArtifacts: string;
  /** Where the unpacked candidate package is written (an s3:// prefix or a folder). */
  readonly candidateUri: string;
  readonly productionUri: string | null;
  readonly holdoutUri: string;
  readonly metric: string;
  readonly lowerIsBetter: boolean;
  readonly cacheDir?: string;
}

export interface Evaluation {
  readonly metric: string;
  readonly candidateUri: string;
  readonly candidateSha256: string;
  readonly candidate: Record<string, number>;
  readonly production: Record<string, number> | null;
  /** Candidate minus production (production minus candidate when lower is better); null when there is no production. */
  readonly improvement: number | null;
  readonly firstVersion: boolean;
  readonly holdoutRows: number;
}

/** Unpacks the candidate, checks it names the expected model and version, and scores it and production on the holdout set. */
export async function evaluateCandidate(input: EvaluateInput): Promise<Evaluation> {
  const archive = openLocation(input.modelArtifacts);
  const files = readTarGz(await archive.store.readBytes(archive.key));
  const onnx = files.get('model.onnx');
  const json = files.get('model.json');
  if (!onnx || !json) throw new Error(`${input.modelArtifacts} must hold model.onnx and model.json (it holds ${[...files.keys()].join(', ') || 'nothing'})`);
  const declared = JSON.parse(decode(json)) as { name?: string; version?: string };
  if (declared.name !== input.model || declared.version !== input.candidateVersion) {
    throw new Error(`the candidate is ${declared.name}@${declared.version}, expected ${input.model}@${input.candidateVersion}`);
  }
  const out = openLocation(input.candidateUri);
  for (const [name, bytes] of files) await out.store.write(joinKey(out.key, name), bytes);
  const candidateModel = await loadModel(input.candidateUri, { cacheDir: input.cacheDir });
  const rows = await readCsvRows(input.holdoutUri);
  const target = (candidateModel.pkg.training.target);
  try {
    const candidate = await scoreHoldout(candidateModel, rows, target);
    let production: Record<string, number> | null = null;
    if (input.productionUri) {
      const productionModel = await loadModel(input.productionUri, { cacheDir: input.cacheDir });
      try {
        production = await scoreHoldout(productionModel, rows, target);
      } finally {
        await productionModel.session.release();
      }
    }
    const value = (metrics: Record<string, number>, which: string) => {
      const v = metrics[input.metric];
      if (v === undefined) throw new Error(`the gate's metric "${input.metric}" is not among the ${which}'s metrics (${Object.keys(metrics).join(', ')})`);
      return v;
    };
    const c = value(candidate, 'candidate');
    const improvement = production ? (input.lowerIsBetter ? value(production, 'production') - c : c - value(production, 'production')) : null;
    return { metric: input.metric, candidateUri: input.candidateUri, candidateSha256: sha256(onnx), candidate, production, improvement, firstVersion: production === null, holdoutRows: rows.length };
  } finally {
    await candidateModel.session.release();
  }
}

export interface RegisterInput {
  readonly model: string;
  readonly version: string;
  readonly candidateUri: string;
  readonly registryUri: string;
  readonly parentVersion: string | null;
  readonly trainingJob: string;
  readonly dataUris: readonly string[];
  readonly metrics: Record<string, number>;
  readonly now?: Date;
}

/** Copies the candidate into the registry (immutable: an existing version is never overwritten) with its lineage; returns its URI and checksum. */
export async function registerCandidate(input: RegisterInput): Promise<{ uri: string; version: string; sha256: string }> {
  const from = openLocation(input.candidateUri);
  const onnx = await from.store.readBytes(joinKey(from.key, 'model.onnx'));
  const json = await from.store.readBytes(joinKey(from.key, 'model.json'));
  const pkg = JSON.parse(decode(json)) as { sha256: string; training: Record<string, unknown> };
  const checksum = sha256(onnx);
  if (checksum !== pkg.sha256) throw new Error(`model.onnx under ${input.candidateUri} has SHA-256 ${checksum}, model.json declares ${pkg.sha256}`);
  const registry = openLocation(input.registryUri);
  const prefix = joinKey(registry.key, versionKey(input.model, input.version));
  if (await registry.store.head(joinKey(prefix, 'model.json'))) throw new Error(`${input.model}@${input.version} is already registered at ${registry.store.uri(prefix)}`);
  await registry.store.writeIfAbsent(joinKey(prefix, 'model.onnx'), onnx);
  const lineage = {
    model: input.model,
    version: input.version,
    sha256: checksum,
    registeredAt: (input.now ?? new Date()).toISOString(),
    registeredFrom: input.candidateUri,
    ...(input.parentVersion ? { parentVersion: input.parentVersion } : {}),
    trainingJob: input.trainingJob,
    dataUris: [...input.dataUris],
    metrics: input.metrics,
    training: pkg.training,
  };
  await registry.store.writeIfAbsent(joinKey(prefix, 'lineage.json'), `${JSON.stringify(lineage, null, 2)}\n`);
  // model.json last: its presence commits the version.
  await registry.store.writeIfAbsent(joinKey(prefix, 'model.json'), json);
  return { uri: registry.store.uri(prefix), version: input.version, sha256: checksum };
}

/** Moves the production pointer to `version`, pushing the current one onto `previous`; returns the new pointer. */
export async function promote(input: { registryUri: string; model: string; version: string; sha256: string; now?: Date }): Promise<ProductionPointer> {
  const registry = openLocation(input.registryUri);
  const key = joinKey(registry.key, productionKey(input.model));
  const current = await readJsonIfExists<ProductionPointer>(registry, key);
  const previous = current ? [{ version: current.version, sha256: current.sha256, promotedAt: current.promotedAt }, ...current.previous].slice(0, PREVIOUS_KEPT) : [];
  const pointer: ProductionPointer = { version: input.version, sha256: input.sha256, promotedAt: (input.now ?? new Date()).toISOString(), previous };
  await registry.store.write(key, `${JSON.stringify(pointer, null, 2)}\n`);
  return pointer;
}

/**
 * Puts back the pointer as it was before the run (`before`; none when there was none). Only while the
 * pointer still names the candidate (or is already `before`): a promotion made by someone else since is kept.
 */
export async function restorePointer(input: { registryUri: string; model: string; candidateVersion: string; before: ProductionPointer | null }): Promise<{ restored: boolean; reason: string; pointer: ProductionPointer | null }> {
  const registry = openLocation(input.registryUri);
  const key = joinKey(registry.key, productionKey(input.model));
  const current = await readJsonIfExists<ProductionPointer>(registry, key);
  if (current && current.version !== input.candidateVersion) {
    const same = input.before && current.version === input.before.version && current.promotedAt === input.before.promotedAt;
    return { restored: false, reason: same ? 'the pointer was never moved' : `the pointer names ${current.version}, moved by someone else: left as is`, pointer: current };
  }
  if (!input.before) {
    if (current) await registry.store.write(key, 'null\n');
    // A pointer of null means "no production version": the layout has no delete, and the next promote replaces it.
    return { restored: true, reason: 'there was no production version before the run', pointer: null };
  }
  await registry.store.write(key, `${JSON.stringify(input.before, null, 2)}\n`);
  return { restored: true, reason: `production is ${input.before.version} again`, pointer: input.before };
}
