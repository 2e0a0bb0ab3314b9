import { parse as parseCsv } from 'csv-parse/sync';
import { loadModel } from '../load.ts';
import type { Model } from '../model.ts';
import { sha256 } from '../package-file.ts';
import { classificationMetrics, regressionMetrics } from '../quality/metrics.ts';
import { joinKey, type Location, openLocation } from '../storage/location.ts';
import { openRegistry } from '../registry/registry.ts';
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
