import type { Distribution } from './drift-report.ts';

/** One feature (or the predictions) compared, before the correction for many features and the decision. */
export interface Tested {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
  readonly test: 'ks' | 'chi-square';
  /** KS D, or the chi-square statistic. */
  readonly statistic: number;
  readonly pValue: number;
  /** The effect size that KS D stands for on numeric features (unused, 0, on categorical ones). */
  readonly ksD: number;
  readonly psi: number;
  readonly referenceCount: number;
  readonly currentCount: number;
  readonly referenceMissing: number;
  readonly currentMissing: number;
  readonly reference: Distribution;
  readonly current: Distribution;
}
