import type { ModelPackage } from '../../../functions/core/model-package.ts';
import { pick } from '../data.ts';
import { type ClassificationData, loadClassification, SOURCES } from '../datasets.ts';
import { exportLogisticRegression } from '../export/logistic-regression.ts';
import { classificationMetrics } from '../../../functions/core/quality/metrics.ts';
import { type Draft, exampleRows, instanceOf, numericBaselines, numericFeatures, writePackage, trainingOf } from '../package.ts';
import { runOnnx } from '../run-onnx.ts';
import { type LogisticRegression, trainLogisticRegression } from '../train/logistic-regression.ts';

/**
 * The versions shipped: 1.0.0 is served by default; 1.1.0, less regularised, is the candidate the
 * rollout, A/B, shadow and replay examples compare with it.
 */
export const BREAST_CANCER_VERSIONS = { '1.0.0': { lambda: 1 }, '1.1.0': { lambda: 0.1 } } as const;
export type BreastCancerVersion = keyof typeof BREAST_CANCER_VERSIONS;

const DESCRIPTION =
  'Breast tumour diagnosis (benign or malignant) from 30 measurements of cell nuclei in a fine needle aspirate image; logistic regression, features standardised inside the graph.';

export interface TrainedBreastCancer {
  readonly data: ClassificationData;
  readonly model: LogisticRegression;
  readonly onnx: Uint8Array;
}

export function trainBreastCancer(version: BreastCancerVersion = '1.0.0'): TrainedBreastCancer {
  const data = loadClassification(SOURCES.breastCancer, 'diagnosis', ['benign', 'malignant']);
  const { lambda } = BREAST_CANCER_VERSIONS[version];
  const model = trainLogisticRegression(pick(data.x, data.split.train), pick(data.y, data.split.train), { lambda });
  return { data, model, onnx: exportLogisticRegression(model, DESCRIPTION) };
}

/** The default model, in one of its versions: writes model.onnx and model.json into `outDir`. */
export async function buildBreastCancer(outDir: string, version: BreastCancerVersion = '1.0.0'): Promise<ModelPackage> {
  const { lambda } = BREAST_CANCER_VERSIONS[version];
  const { data, onnx } = trainBreastCancer(version);
  const { train, holdout } = data.split;
  const trainX = pick(data.x, train);
  const probabilities = await runOnnx(onnx, { features: { type: 'float32', rows: pick(data.x, holdout) } }, 'probabilities');
  const draft: Draft = {
    name: 'breast-cancer',
    version,
    task: 'binary-classification',
    description: DESCRIPTION,
    inputs: [{ name: 'features', type: 'float32' }],
    features: numericFeatures(data.features, trainX, false),
    outputs: [
      { name: 'probabilities', kind: 'probabilities', description: 'Probability of each diagnosis; the two sum to 1.', labels: [...data.classes] },
      { name: 'label', kind: 'label', description: 'Index of the more probable diagnosis (0 benign, 1 malignant).', labels: [...data.classes] },
    ],
    baseline: { rows: train.length, features: numericBaselines(data.features, trainX) },
    metrics: { holdout: classificationMetrics(pick(data.y, holdout), probabilities) },
    training: trainingOf(data, `L2-regularised logistic regression (lambda ${lambda}, Newton's method) on standardised features; malignant is the positive class`, 'models/build/packages/breast-cancer.ts'),
  };
  const examples = exampleRows(holdout, (r) => data.y[r]!).map((r) => instanceOf(data.features, data.x[r]!));
  return writePackage(outDir, draft, onnx, examples);
}
