/** A regression tree as a node list; node 0 is the root. Rows with x[feature] <= threshold go to `left`. */
export type TreeNode =
  | { readonly feature: number; readonly threshold: number; readonly left: number; readonly right: number }
  | { readonly value: number };

/** prediction = base + sum of one leaf value per tree (the learning rate is already folded into the leaves). */
export interface TreeEnsemble {
  readonly base: number;
  readonly trees: readonly (readonly TreeNode[])[];
}

export interface GradientBoostingOptions {
  readonly trees: number;
  readonly depth: number;
  readonly learningRate: number;
  readonly minLeafRows: number;
}

/**
 * Least-squares gradient boosting with exhaustive splits. Features and thresholds are float32, the
 * precision ONNX Runtime compares in, so a row takes the same path in training and in the graph.
 * No subsampling: the ensemble is a pure function of the data and options.
 */
export function trainGradientBoosting(x: readonly (readonly number[])[], y: readonly number[], options: GradientBoostingOptions): TreeEnsemble {
  const xf = x.map((row) => row.map(Math.fround));
  const base = y.reduce((a, b) => a + b, 0) / y.length;
  const prediction = y.map(() => base);
  const trees: TreeNode[][] = [];
  for (let t = 0; t < options.trees; t++) {
    const residual = y.map((v, i) => v - prediction[i]!);
    const nodes: TreeNode[] = [];
    grow(nodes, xf, residual, Array.from({ length: y.length }, (_, i) => i), options.depth, options);
    trees.push(nodes);
    xf.forEach((row, i) => (prediction[i]! += predictTree(nodes, row)));
  }
  return { base, trees };
}

/** Appends the subtree over `rows` to `nodes` and returns its root's index. */
function grow(nodes: TreeNode[], x: readonly (readonly number[])[], r: readonly number[], rows: readonly number[], depth: number, o: GradientBoostingOptions): number {
  const at = nodes.length;
  const split = depth > 0 ? bestSplit(x, r, rows, o.minLeafRows) : undefined;
  if (!split) {
    nodes.push({ value: Math.fround((o.learningRate * rows.reduce((s, i) => s + r[i]!, 0)) / rows.length) });
    return at;
  }
  nodes.push(split);
  const leftRows = rows.filter((i) => x[i]![split.feature]! <= split.threshold);
  const rightRows = rows.filter((i) => x[i]![split.feature]! > split.threshold);
  const left = grow(nodes, x, r, leftRows, depth - 1, o);
  const right = grow(nodes, x, r, rightRows, depth - 1, o);
  nodes[at] = { feature: split.feature, threshold: split.threshold, left, right };
  return at;
}

/** The split maximising the reduction of squared error; ties go to the first feature and lowest threshold. */
function bestSplit(x: readonly (readonly number[])[], r: readonly number[], rows: readonly number[], minLeaf: number) {
  const total = rows.reduce((s, i) => s + r[i]!, 0);
  const n = rows.length;
  let best: { feature: number; threshold: number; left: number; right: number } | undefined;
  let bestGain = total ** 2 / n + 1e-12;
  for (let f = 0; f < x[0]!.length; f++) {
    const sorted = [...rows].sort((a, b) => x[a]![f]! - x[b]![f]!);
    let leftSum = 0;
    for (let k = 0; k < n - 1; k++) {
      leftSum += r[sorted[k]!]!;
      const lo = x[sorted[k]!]![f]!;
      const hi = x[sorted[k + 1]!]![f]!;
      if (lo === hi || k + 1 < minLeaf || n - k - 1 < minLeaf) continue;
      const gain = leftSum ** 2 / (k + 1) + (total - leftSum) ** 2 / (n - k - 1);
      if (gain > bestGain) {
        bestGain = gain;
        // The midpoint rounded to float32 can land on `hi`; then `lo` itself separates the rows.
        const mid = Math.fround((lo + hi) / 2);
        best = { feature: f, threshold: mid < hi ? mid : lo, left: -1, right: -1 };
      }
    }
  }
  return best;
}

export function predictTree(nodes: readonly TreeNode[], row: readonly number[]): number {
  let node = nodes[0]!;
  while (!('value' in node)) node = nodes[Math.fround(row[node.feature]!) <= node.threshold ? node.left : node.right]!;
  return node.value;
}

export const predictGradientBoosting = (model: TreeEnsemble, row: readonly number[]): number =>
  model.trees.reduce((s, tree) => s + predictTree(tree, row), model.base);
