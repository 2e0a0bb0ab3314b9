/** Per-column mean and standard deviation of the training rows; features are scaled as (x - mean) / std. */
export interface Standardizer {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export function fitStandardizer(x: readonly (readonly number[])[]): Standardizer {
  const n = x.length;
  const d = x[0]!.length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, row) => s + row[j]!, 0) / n);
  const std = mean.map((m, j) => {
    const sd = Math.sqrt(x.reduce((s, row) => s + (row[j]! - m) ** 2, 0) / n);
    // A constant column carries no signal; dividing by 1 keeps it at zero instead of NaN.
    return sd > 0 ? sd : 1;
  });
  return { mean, std };
}

export const standardize = (s: Standardizer, row: readonly number[]): number[] => row.map((v, j) => (v - s.mean[j]!) / s.std[j]!);
