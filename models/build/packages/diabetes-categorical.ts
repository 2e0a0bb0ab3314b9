import type { ModelPackage } from '../../../functions/core/model-package.ts';
import { column, numericMatrix, pick } from '../data.ts';
import { loadRegression, type RegressionData, SOURCES } from '../datasets.ts';
import { treeEnsembleNode } from '../export/tree-ensemble.ts';
import { categoricalBaseline } from '../baseline.ts';
import { regressionMetrics } from '../../../functions/core/quality/metrics.ts';
import { GraphBuilder, ML_DOMAIN } from '../onnx-builder.ts';
import { type Draft, exampleRows, instanceOf, numericBaselines, numericFeatures, writePackage, trainingOf } from '../package.ts';
import { runOnnx } from '../run-onnx.ts';
import { type GradientBoostingOptions, type TreeEnsemble, trainGradientBoosting } from '../train/gradient-boosting.ts';

const NUMERIC = ['age', 'bmi', 'bp', 'tc', 'ldl', 'hdl', 'tch', 'ltg', 'glu'];
/** The source codes sex as 1/2 without saying which is which; this mapping is an assumption for the fixture. */
const SEX: Record<string, string> = { '1': 'female', '2': 'male' };
const CATEGORIES = ['female', 'male'];
const OPTIONS: GradientBoostingOptions = { trees: 60, depth: 2, learningRate: 0.1, minLeafRows: 15 };
const DESCRIPTION =
  'Diabetes disease progression with sex as a categorical string input, encoded inside the graph (LabelEncoder, Concat) before gradient-boosted regression trees. Numeric ranges are strict.';

export interface TrainedDiabetesCategorical {
  readonly data: RegressionData;
  /** Numeric features, in NUMERIC order. */
  readonly numeric: number[][];
  readonly sex: string[];
  readonly model: TreeEnsemble;
  readonly onnx: Uint8Array;
}

/** The trees see the numeric features followed by the sex code, the column order the graph's Concat builds. */
export const treeRow = (numeric: readonly number[], sex: string): number[] => [...numeric, CATEGORIES.indexOf(sex)];

export function trainDiabetesCategorical(): TrainedDiabetesCategorical {
  const data = loadRegression(SOURCES.diabetes, 'progression');
  const numeric = numericMatrix(data.table, NUMERIC);
  const sex = column(data.table, 'sex').map((code) => SEX[code] ?? '');
  const model = trainGradientBoosting(
    data.split.train.map((r) => treeRow(numeric[r]!, sex[r]!)),
    pick(data.y, data.split.train),
    OPTIONS,
  );
  const g = new GraphBuilder('categorical_gradient_boosted_trees');
  const features = g.input('features', 'float32', NUMERIC.length);
  const sexCode = g.node(
    'LabelEncoder',
    [g.input('sex', 'string', 1)],
    'sex_code',
    { keys_strings: { strings: CATEGORIES }, values_floats: { floats: CATEGORIES.map((_, i) => i) }, default_float: { float: -1 } },
    ML_DOMAIN,
  );
  const all = g.node('Concat', [features, sexCode], 'encoded', { axis: { int: 1 } });
  g.output(treeEnsembleNode(g, all, 'value', model), 'float32', 1);
  return { data, numeric, sex, model, onnx: g.toBytes(DESCRIPTION) };
}

/** A test fixture with two graph inputs, one of them strings, and strict ranges: writes model.onnx and model.json into `outDir`. */
export async function buildDiabetesCategorical(outDir: string): Promise<ModelPackage> {
  const { data, numeric, sex, onnx } = trainDiabetesCategorical();
  const { train, holdout } = data.split;
  const trainX = pick(numeric, train);
  const predicted = await runOnnx(
    onnx,
    { features: { type: 'float32', rows: pick(numeric, holdout) }, sex: { type: 'string', rows: holdout.map((r) => [sex[r]!]) } },
    'value',
  );
  const numericDefs = numericFeatures(NUMERIC, trainX, true);
  const inRange = (r: number): boolean => numericDefs.every((f, j) => f.type === 'numeric' && f.range !== undefined && numeric[r]![j]! >= f.range.min && numeric[r]![j]! <= f.range.max);
  const draft: Draft = {
    name: 'diabetes-categorical',
    version: '1.0.0',
    task: 'regression',
    description: DESCRIPTION,
    inputs: [
      { name: 'features', type: 'float32' },
      { name: 'sex', type: 'string' },
    ],
    // Declared in the data set's column order; packing follows each feature's input, not this order.
    features: [
      numericDefs[0]!,
      { name: 'sex', type: 'categorical', input: 'sex', categories: CATEGORIES, description: 'Coded 1/2 in the source, which does not say which is which; mapped 1 to female, 2 to male here.' },
      ...numericDefs.slice(1),
    ],
    outputs: [{ name: 'value', kind: 'value', description: 'Predicted disease progression (the data set reports 25 to 346).' }],
    baseline: {
      rows: train.length,
      features: { ...numericBaselines(NUMERIC, trainX), sex: categoricalBaseline(pick(sex, train)) },
    },
    metrics: { holdout: regressionMetrics(pick(data.y, holdout), predicted.map((p) => p[0]!)) },
    training: trainingOf(data, `Least-squares gradient-boosted regression trees (${OPTIONS.trees} trees, depth ${OPTIONS.depth}, learning rate ${OPTIONS.learningRate}, at least ${OPTIONS.minLeafRows} rows per leaf) on the numeric features and the sex code`, 'models/build/packages/diabetes-categorical.ts'),
  };
  const examples = exampleRows(holdout, undefined, inRange).map((r) => {
    const { age, ...rest } = instanceOf(NUMERIC, numeric[r]!);
    return { age: age!, sex: sex[r]!, ...rest };
  });
  return writePackage(outDir, draft, onnx, examples);
}
