import { floats, GraphBuilder } from '../onnx-builder.ts';
import type { Mlp } from '../train/mlp.ts';
import { classifierOutputs } from './classifier-outputs.ts';
import { standardizeNodes } from './standardize.ts';

/** features [N, d] → standardize → Gemm → Relu → Gemm → Softmax → probabilities [N, K], label [N, 1]. */
export function exportMlp(m: Mlp, docString: string): Uint8Array {
  const g = new GraphBuilder('mlp');
  const z = standardizeNodes(g, g.input('features', 'float32', m.inputs), m.standardizer);
  const h = g.node('Gemm', [z, g.constant('w1', floats([m.inputs, m.hidden], m.w1)), g.constant('b1', floats([m.hidden], m.b1))], 'hidden_linear');
  const a = g.node('Relu', [h], 'hidden');
  const logits = g.node('Gemm', [a, g.constant('w2', floats([m.hidden, m.classes], m.w2)), g.constant('b2', floats([m.classes], m.b2))], 'logits');
  classifierOutputs(g, g.node('Softmax', [logits], 'probabilities', { axis: { int: 1 } }), m.classes);
  return g.toBytes(docString);
}
