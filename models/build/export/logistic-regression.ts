import { floats, GraphBuilder } from '../onnx-builder.ts';
import type { LogisticRegression } from '../train/logistic-regression.ts';
import { classifierOutputs } from './classifier-outputs.ts';
import { standardizeNodes } from './standardize.ts';

/** features [N, d] → standardize → Gemm → Sigmoid = p → probabilities [N, 2] = [1 - p, p], label [N, 1]. */
export function exportLogisticRegression(model: LogisticRegression, docString: string): Uint8Array {
  const d = model.weights.length;
  const g = new GraphBuilder('logistic_regression');
  const z = standardizeNodes(g, g.input('features', 'float32', d), model.standardizer);
  const logit = g.node('Gemm', [z, g.constant('weights', floats([d, 1], model.weights)), g.constant('bias', floats([1], [model.bias]))], 'logit');
  const p = g.node('Sigmoid', [logit], 'p_positive');
  const q = g.node('Sub', [g.constant('one', floats([1], [1])), p], 'p_negative');
  classifierOutputs(g, g.node('Concat', [q, p], 'probabilities', { axis: { int: 1 } }), 2);
  return g.toBytes(docString);
}
