import { floats, type GraphBuilder } from '../onnx-builder.ts';
import type { Standardizer } from '../train/standardize.ts';

/** (input - mean) / std inside the graph, so clients send raw feature values. */
export function standardizeNodes(g: GraphBuilder, input: string, s: Standardizer): string {
  const d = s.mean.length;
  const centred = g.node('Sub', [input, g.constant('feature_mean', floats([1, d], s.mean))], 'centred');
  return g.node('Div', [centred, g.constant('feature_std', floats([1, d], s.std))], 'standardized');
}
