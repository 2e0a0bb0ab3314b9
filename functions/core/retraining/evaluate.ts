import { parse as parseCsv } from 'csv-parse/sync';
import { loadModel } from '../load.ts';
import type { Model } from '../model.ts';
import { sha256 } from '../package-file.ts';
import { classificationMetrics, regressionMetrics } from '../quality/metrics.ts';
import { joinKey, openLocation } from '../storage/location.ts';
import { readTarGz } from './tar.ts';

/**
 * The retraining run's evaluate step, free of Lambda: the candidate and production scored on the
 * holdout set with onnxruntime-node. Kept apart from pipeline.ts so that the other steps never load it.
 */

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

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
  const target = candidateModel.pkg.training.target;
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
