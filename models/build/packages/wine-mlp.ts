import type { ModelPackage } from '../../../functions/core/model-package.ts';
import { pick } from '../data.ts';
import { type ClassificationData, loadClassification, SOURCES } from '../datasets.ts';
import { exportMlp } from '../export/mlp.ts';
import { classificationMetrics } from '../../../functions/core/quality/metrics.ts';
import { type Draft, exampleRows, instanceOf, numericBaselines, numericFeatures, writePackage, trainingOf } from '../package.ts';
import { runOnnx } from '../run-onnx.ts';
import { type Mlp, type MlpOptions, trainMlp } from '../train/mlp.ts';

const OPTIONS: MlpOptions = { hidden: 16, epochs: 300, learningRate: 0.01, l2: 1e-3, seed: 7 };
const DESCRIPTION = 'Wine cultivar (class_0, class_1 or class_2) from 13 chemical measurements; one-hidden-layer MLP, features standardised inside the graph.';

export interface TrainedWine {
  readonly data: ClassificationData;
  readonly model: Mlp;
  readonly onnx: Uint8Array;
}

export function trainWine(): TrainedWine {
  const data = loadClassification(SOURCES.wine, 'cultivar', ['class_0', 'class_1', 'class_2']);
  const model = trainMlp(pick(data.x, data.split.train), pick(data.y, data.split.train), data.classes.length, OPTIONS);
  return { data, model, onnx: exportMlp(model, DESCRIPTION) };
}

/** A multiclass test fixture: writes model.onnx and model.json into `outDir`. */
export async function buildWine(outDir: string): Promise<ModelPackage> {
  const { data, onnx } = trainWine();
  const { train, holdout } = data.split;
  const trainX = pick(data.x, train);
  const probabilities = await runOnnx(onnx, { features: { type: 'float32', rows: pick(data.x, holdout) } }, 'probabilities');
  const draft: Draft = {
    name: 'wine-mlp',
    version: '1.0.0',
    task: 'multiclass-classification',
    description: DESCRIPTION,
    inputs: [{ name: 'features', type: 'float32' }],
    features: numericFeatures(data.features, trainX, false),
    outputs: [
      { name: 'probabilities', kind: 'probabilities', description: 'Probability of each cultivar; the three sum to 1.', labels: [...data.classes] },
      { name: 'label', kind: 'label', description: 'Index of the most probable cultivar.', labels: [...data.classes] },
    ],
    baseline: { rows: train.length, features: numericBaselines(data.features, trainX) },
    metrics: { holdout: classificationMetrics(pick(data.y, holdout), probabilities) },
    training: trainingOf(data, `MLP ${data.features.length}-${OPTIONS.hidden}-${data.classes.length} (ReLU, softmax), full-batch Adam (learning rate ${OPTIONS.learningRate}, ${OPTIONS.epochs} epochs, L2 ${OPTIONS.l2}, seed ${OPTIONS.seed}) on standardised features`, 'models/build/packages/wine-mlp.ts'),
  };
  const examples = exampleRows(holdout, (r) => data.y[r]!).map((r) => instanceOf(data.features, data.x[r]!));
  return writePackage(outDir, draft, onnx, examples);
}
