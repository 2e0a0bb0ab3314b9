/**
 * Count, mean and variance of one variant's values, accumulated one value at a time (Welford's
 * update), so the same numbers serve the final tests and every point of the evidence over time
 * without a second pass or the cancellation of Σx² − n·x̄².
 */
export interface Moments {
  readonly n: number;
  readonly mean: number;
  /** Σ(x − mean)²: variance = m2 / (n − 1). */
  readonly m2: number;
}

export const EMPTY_MOMENTS: Moments = { n: 0, mean: 0, m2: 0 };

export class MomentsAccumulator implements Moments {
  n = 0;
  mean = 0;
  m2 = 0;

  add(x: number): void {
    this.n++;
    const delta = x - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (x - this.mean);
  }

  snapshot(): Moments {
    return { n: this.n, mean: this.mean, m2: this.m2 };
  }
}

/** Sample variance (n − 1 denominator); 0 below two values. */
export const sampleVariance = (m: Moments): number => (m.n > 1 ? m.m2 / (m.n - 1) : 0);

/** Variance of the mean: s²/n for means; for 0/1 conversions p(1 − p)/n (the Bernoulli variance, as the z-test uses). */
export function varianceOfMean(m: Moments, metric: Metric): number {
  if (m.n === 0) return NaN;
  return metric === 'conversion' ? (m.mean * (1 - m.mean)) / m.n : sampleVariance(m) / m.n;
}

export function momentsOf(values: ArrayLike<number>): Moments {
  const acc = new MomentsAccumulator();
  for (let i = 0; i < values.length; i++) acc.add(values[i]!);
  return acc.snapshot();
}

/** conversion: values are 0/1 and the mean is a rate; mean: any number. */
export type Metric = 'conversion' | 'mean';
