import type { ModelPackage } from '../../../functions/core/model-package.ts';
import { numericMatrix, pick } from '../data.ts';
import { loadRegression, type RegressionData, SOURCES } from '../datasets.ts';
import { treeEnsembleNode } from '../export/tree-ensemble.ts';
import { regressionMetrics } from '../../../functions/core/quality/metrics.ts';
import { GraphBuilder } from '../onnx-builder.ts';
import { type Draft, exampleRows, instanceOf, numericBaselines, numericFeatures, writePackage, trainingOf } from '../package.ts';
import { runOnnx } from '../run-onnx.ts';
import { type GradientBoostingOptions, type TreeEnsemble, trainGradientBoosting } from '../train/gradient-boosting.ts';

const FEATURES = ['age', 'sex', 'bmi', 'bp', 'tc', 'ldl', 'hdl', 'tch', 'ltg', 'glu'];
const OPTIONS: GradientBoostingOptions = { trees: 100, depth: 2, learningRate: 0.05, minLeafRows: 15 };
const DESCRIPTION =
  'Diabetes disease progression one year after baseline from age, sex (coded 1/2), body mass index, blood pressure and six blood serum measurements; gradient-boosted regression trees.';

export interface TrainedDiabetesTrees {
  readonly data: RegressionData;
  readonly x: number[][];
  readonly model: TreeEnsemble;
  readonly onnx: Uint8Array;
}

export function trainDiabetesTrees(): TrainedDiabetesTrees {
  const data = loadRegression(SOURCES.diabetes, 'progression');
  const x = numericMatrix(data.table, FEATURES);
  const model = trainGradientBoosting(pick(x, data.split.train), pick(data.y, data.split.train), OPTIONS);
  const g = new GraphBuilder('gradient_boosted_trees');
  g.output(treeEnsembleNode(g, g.input('features', 'float32', FEATURES.length), 'value', model), 'float32', 1);
  return { data, x, model, onnx: g.toBytes(DESCRIPTION) };
}

/** A regression test fixture: writes model.onnx and model.json into `outDir`. */
export async function buildDiabetesTrees(outDir: string): Promise<ModelPackage> {
  const { data, x, onnx } = trainDiabetesTrees();
  const { train, holdout } = data.split;
  const trainX = pick(x, train);
  const predicted = await runOnnx(onnx, { features: { type: 'float32', rows: pick(x, holdout) } }, 'value');
  const draft: Draft = {
    name: 'diabetes-trees',
    version: '1.0.0',
    task: 'regression',
    description: DESCRIPTION,
    inputs: [{ name: 'features', type: 'float32' }],
    features: numericFeatures(FEATURES, trainX, false),
    outputs: [{ name: 'value', kind: 'value', description: 'Predicted disease progression (the data set reports 25 to 346).' }],
    baseline: { rows: train.length, features: numericBaselines(FEATURES, trainX) },
    metrics: { holdout: regressionMetrics(pick(data.y, holdout), predicted.map((p) => p[0]!)) },
    training: trainingOf(data, `Least-squares gradient-boosted regression trees (${OPTIONS.trees} trees, depth ${OPTIONS.depth}, learning rate ${OPTIONS.learningRate}, at least ${OPTIONS.minLeafRows} rows per leaf)`, 'models/build/packages/diabetes-trees.ts'),
  };
  return writePackage(outDir, draft, onnx, exampleRows(holdout).map((r) => instanceOf(FEATURES, x[r]!)));
}
