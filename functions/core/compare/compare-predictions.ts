import type { Prediction } from '../predictions.ts';

/** How two versions' answers to the same rows differ. */
export interface PredictionComparison {
  readonly rows: number;
  /** Share of rows given the same label (classifiers); undefined for regressors. */
  readonly agreement?: number;
  /** Mean and largest absolute difference of the class probabilities (largest class gap per row), or of the values. */
  readonly meanAbsDiff: number;
  readonly maxAbsDiff: number;
}

/** The gap between two answers to one row: the largest difference of any class probability, or of the value. */
function gap(a: Prediction, b: Prediction): number {
  if ('value' in a && 'value' in b) return Math.abs(a.value - b.value);
  if ('probabilities' in a && 'probabilities' in b) {
    let largest = 0;
    for (const [label, p] of Object.entries(a.probabilities)) largest = Math.max(largest, Math.abs(p - (b.probabilities[label] ?? 0)));
    return largest;
  }
  return 'label' in a && 'label' in b && a.label === b.label ? 0 : 1;
}

/** Compares the current and the candidate version's predictions for the same rows, row by row. */
export function comparePredictions(current: readonly Prediction[], candidate: readonly Prediction[]): PredictionComparison {
  if (current.length !== candidate.length) throw new Error(`cannot compare ${current.length} predictions with ${candidate.length}`);
  const rows = current.length;
  let agree = 0;
  let labelled = 0;
  let sum = 0;
  let max = 0;
  for (let i = 0; i < rows; i++) {
    const a = current[i]!;
    const b = candidate[i]!;
    if ('label' in a && 'label' in b) {
      labelled++;
      if (a.label === b.label) agree++;
    }
    const d = gap(a, b);
    sum += d;
    max = Math.max(max, d);
  }
  return { rows, ...(labelled ? { agreement: agree / labelled } : {}), meanAbsDiff: rows ? sum / rows : 0, maxAbsDiff: max };
}

/** How labels moved from the current version's answers to the candidate's, e.g. `benign -> malignant: 3`. */
export function labelTransitions(current: readonly Prediction[], candidate: readonly Prediction[]): Record<string, number> {
  const transitions: Record<string, number> = {};
  current.forEach((p, i) => {
    const q = candidate[i]!;
    if ('label' in p && 'label' in q && p.label !== q.label) {
      const key = `${p.label} -> ${q.label}`;
      transitions[key] = (transitions[key] ?? 0) + 1;
    }
  });
  return transitions;
}
