import type { GraphBuilder } from '../onnx-builder.ts';

/**
 * Declares the `probabilities` [N, K] output and derives `label` [N, 1] from it with ArgMax, which,
 * like the server's friendly predictions, picks the first class on ties.
 */
export function classifierOutputs(g: GraphBuilder, probabilities: string, classes: number): void {
  g.output(probabilities, 'float32', classes);
  g.output(g.node('ArgMax', [probabilities], 'label', { axis: { int: 1 }, keepdims: { int: 1 } }), 'int64', 1);
}
