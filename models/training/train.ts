/**
 * An example SageMaker training script that follows the training contract (models/training/README.md):
 * L2-regularised logistic regression on the CSVs of the `train` channel, evaluated on the `holdout`
 * channel, exported as an ONNX model package (model.onnx + model.json) with metrics.json.
 *
 *   npx tsx models/training/train.ts          # inside the container, or locally with the SM_* variables:
 *   SM_CHANNEL_TRAIN=data/train SM_CHANNEL_HOLDOUT=data/holdout SM_MODEL_DIR=out SM_CHECKPOINT_DIR=ckpt \
 *   SM_HPS='{"model-name":"breast-cancer","model-version":"1.2.0","target":"diagnosis","classes":"benign,malignant"}' \
 *   npx tsx models/training/train.ts
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelPackage } from '../../functions/core/model-package.ts';
import { classificationMetrics } from '../../functions/core/quality/metrics.ts';
import { column, numericMatrix, readCsv, type Table } from '../build/data.ts';
import { exportLogisticRegression } from '../build/export/logistic-regression.ts';
import { type Draft, exampleRows, instanceOf, numericBaselines, numericFeatures, toJson, writePackage } from '../build/package.ts';
import { runOnnx } from '../build/run-onnx.ts';
import { type LogisticRegression, trainLogisticRegression } from '../build/train/logistic-regression.ts';

/** Where the script reads and writes: SageMaker's fixed paths, or the SM_* variables. */
export interface TrainingPaths {
  readonly train: string;
  readonly holdout: string;
  readonly model: string;
  readonly checkpoints: string;
  /** Written with the reason when training fails (SageMaker shows it as the job's FailureReason). */
  readonly failure: string;
}

export function pathsFromEnv(env: NodeJS.ProcessEnv = process.env): TrainingPaths {
  return {
    train: env.SM_CHANNEL_TRAIN ?? '/opt/ml/input/data/train',
    holdout: env.SM_CHANNEL_HOLDOUT ?? '/opt/ml/input/data/holdout',
    model: env.SM_MODEL_DIR ?? '/opt/ml/model',
    checkpoints: env.SM_CHECKPOINT_DIR ?? '/opt/ml/checkpoints',
    failure: env.SM_OUTPUT_FAILURE ?? '/opt/ml/output/failure',
  };
}

/** Hyperparameters: SM_HPS (JSON), else SageMaker's hyperparameters.json; every value a string, as SageMaker passes them. */
export function hyperparametersFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.SM_HPS) return JSON.parse(env.SM_HPS);
  const file = env.SM_HYPERPARAMETERS_FILE ?? '/opt/ml/input/config/hyperparameters.json';
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

/** Every `.csv` of a channel folder, concatenated (they must share the header). */
function readChannel(dir: string): Table {
  const files = readdirSync(dir).filter((f) => f.endsWith('.csv')).sort();
  if (files.length === 0) throw new Error(`no .csv file in ${dir}`);
  const tables = files.map((f) => readCsv(join(dir, f)));
  return { columns: tables[0]!.columns, rows: tables.flatMap((t) => t.rows) };
}

interface Checkpoint {
  readonly hyperparameters: Record<string, string>;
  readonly trainRows: number;
  readonly model: LogisticRegression;
}

/**
 * Trains, writes the package and metrics into `paths.model`, and returns the package. The fitted
 * weights are checkpointed to `paths.checkpoints/logistic-regression.json`: a spot job resumed
 * after an interruption finds them and skips the fit when the hyperparameters and data are unchanged.
 */
export async function train(paths: TrainingPaths, hyperparameters: Record<string, string>): Promise<ModelPackage & { resumed: boolean }> {
  const name = hyperparameters['model-name'];
  const version = hyperparameters['model-version'];
  const target = hyperparameters.target ?? 'diagnosis';
  const classes = (hyperparameters.classes ?? 'benign,malignant').split(',');
  const lambda = Number(hyperparameters.lambda ?? '1');
  if (!name || !version) throw new Error('hyperparameters model-name and model-version are required');
  if (classes.length !== 2) throw new Error(`classes must name exactly two classes (negative,positive), got ${hyperparameters.classes}`);
  if (!Number.isFinite(lambda) || lambda < 0) throw new Error(`lambda must be a non-negative number, got ${hyperparameters.lambda}`);

  const trainTable = readChannel(paths.train);
  const holdoutTable = readChannel(paths.holdout);
  const features = trainTable.columns.filter((c) => c !== target);
  const classOf = (table: Table) =>
    column(table, target).map((label, r) => {
      const c = classes.indexOf(label);
      if (c < 0) throw new Error(`row ${r + 1}: ${target} "${label}" is not one of ${classes.join(', ')}`);
      return c;
    });
  const trainX = numericMatrix(trainTable, features);
  const trainY = classOf(trainTable);
  const holdoutX = numericMatrix(holdoutTable, features);
  const holdoutY = classOf(holdoutTable);

  mkdirSync(paths.checkpoints, { recursive: true });
  const checkpointFile = join(paths.checkpoints, 'logistic-regression.json');
  const previous: Checkpoint | undefined = existsSync(checkpointFile) ? JSON.parse(readFileSync(checkpointFile, 'utf8')) : undefined;
  const resumed = previous !== undefined && JSON.stringify(previous.hyperparameters) === JSON.stringify(hyperparameters) && previous.trainRows === trainX.length;
  const model = resumed ? previous.model : trainLogisticRegression(trainX, trainY, { lambda });
  if (!resumed) writeFileSync(checkpointFile, toJson({ hyperparameters, trainRows: trainX.length, model } satisfies Checkpoint));

  const description = hyperparameters.description ?? `${name}: L2-regularised logistic regression (lambda ${lambda}) on standardised features, retrained`;
  const onnx = exportLogisticRegression(model, description);
  const probabilities = await runOnnx(onnx, { features: { type: 'float32', rows: holdoutX } }, 'probabilities');
  const metrics = classificationMetrics(holdoutY, probabilities);
  const draft: Draft = {
    name,
    version,
    task: 'binary-classification',
    description,
    inputs: [{ name: 'features', type: 'float32' }],
    features: numericFeatures(features, trainX, false),
    outputs: [
      { name: 'probabilities', kind: 'probabilities', description: 'Probability of each class; the two sum to 1.', labels: classes },
      { name: 'label', kind: 'label', description: `Index of the more probable class (0 ${classes[0]}, 1 ${classes[1]}).`, labels: classes },
    ],
    baseline: { rows: trainX.length, features: numericBaselines(features, trainX) },
    metrics: { holdout: metrics },
    training: {
      dataset: hyperparameters.dataset ?? 'train channel',
      source: hyperparameters.source ?? 'SageMaker training channels train and holdout',
      target,
      rows: trainX.length,
      holdoutRows: holdoutX.length,
      split: `given: ${trainX.length} training rows, ${holdoutX.length} holdout rows`,
      algorithm: `L2-regularised logistic regression (lambda ${lambda}, Newton's method) on standardised features; ${classes[1]} is the positive class`,
      script: 'models/training/train.ts',
    },
  };
  const holdoutIndexes = holdoutX.map((_, i) => i);
  const examples = exampleRows(holdoutIndexes, (r) => holdoutY[r]!).map((r) => instanceOf(features, holdoutX[r]!));
  const pkg = await writePackage(paths.model, draft, onnx, examples);
  writeFileSync(join(paths.model, 'metrics.json'), toJson({ holdout: metrics, trainRows: trainX.length, holdoutRows: holdoutX.length, resumed }));
  return { ...pkg, resumed };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const paths = pathsFromEnv();
  try {
    const pkg = await train(paths, hyperparametersFromEnv());
    console.log(`${pkg.name}@${pkg.version}`, JSON.stringify(pkg.metrics.holdout), pkg.resumed ? '(resumed from checkpoint)' : '');
  } catch (err) {
    try {
      mkdirSync(join(paths.failure, '..'), { recursive: true });
      writeFileSync(paths.failure, String((err as Error).message).slice(0, 1000));
    } catch {
      // Outside SageMaker the failure file's folder may not be writable: the exit code still says it.
    }
    console.error(err);
    process.exit(1);
  }
}
