import { type GraphBuilder, ML_DOMAIN } from '../onnx-builder.ts';
import type { TreeEnsemble } from '../train/gradient-boosting.ts';

/** A TreeEnsembleRegressor (ai.onnx.ml) node computing `output` [N, 1] from float `input` [N, d]. */
export function treeEnsembleNode(g: GraphBuilder, input: string, output: string, model: TreeEnsemble): string {
  const nodes = { treeids: [] as number[], nodeids: [] as number[], featureids: [] as number[], values: [] as number[], modes: [] as string[], trueids: [] as number[], falseids: [] as number[] };
  const targets = { treeids: [] as number[], nodeids: [] as number[], weights: [] as number[] };
  model.trees.forEach((tree, t) => {
    tree.forEach((node, id) => {
      nodes.treeids.push(t);
      nodes.nodeids.push(id);
      if ('value' in node) {
        nodes.featureids.push(0);
        nodes.values.push(0);
        nodes.modes.push('LEAF');
        nodes.trueids.push(0);
        nodes.falseids.push(0);
        targets.treeids.push(t);
        targets.nodeids.push(id);
        targets.weights.push(node.value);
      } else {
        nodes.featureids.push(node.feature);
        nodes.values.push(node.threshold);
        nodes.modes.push('BRANCH_LEQ');
        nodes.trueids.push(node.left);
        nodes.falseids.push(node.right);
      }
    });
  });
  return g.node(
    'TreeEnsembleRegressor',
    [input],
    output,
    {
      n_targets: { int: 1 },
      aggregate_function: { string: 'SUM' },
      post_transform: { string: 'NONE' },
      base_values: { floats: [model.base] },
      nodes_treeids: { ints: nodes.treeids },
      nodes_nodeids: { ints: nodes.nodeids },
      nodes_featureids: { ints: nodes.featureids },
      nodes_values: { floats: nodes.values },
      nodes_modes: { strings: nodes.modes },
      nodes_truenodeids: { ints: nodes.trueids },
      nodes_falsenodeids: { ints: nodes.falseids },
      target_treeids: { ints: targets.treeids },
      target_nodeids: { ints: targets.nodeids },
      target_ids: { ints: targets.treeids.map(() => 0) },
      target_weights: { floats: targets.weights },
    },
    ML_DOMAIN,
  );
}
