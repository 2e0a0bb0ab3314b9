import { z } from 'zod';

/**
 * The drift report: what the scheduled drift job writes to S3, what `npm run drift -- --json`
 * prints (a subset), and what the HTML report draws. One entry per feature, plus the model's output.
 */

/** A distribution as drawn and tested: numeric bins (edges ascending, counts per bin) or category counts. */
export const Distribution = z.union([
  z.object({ kind: z.literal('bins'), edges: z.array(z.number()), counts: z.array(z.number().int().nonnegative()) }),
  z.object({ kind: z.literal('categories'), counts: z.record(z.string(), z.number().int().nonnegative()) }),
]);
export type Distribution = z.infer<typeof Distribution>;

export const FeatureDrift = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'categorical']),
  /** `ks` (two-sample Kolmogorov-Smirnov) for numeric features, `chi-square` for categorical ones. */
  test: z.enum(['ks', 'chi-square']),
  /** KS D, or the chi-square statistic. */
  statistic: z.number(),
  pValue: z.number().min(0).max(1),
  /** p-value corrected for testing every feature at once (Benjamini-Hochberg). */
  adjustedPValue: z.number().min(0).max(1),
  /** Population stability index over the reference bins or categories. */
  psi: z.number().nonnegative(),
  /** Values compared: reference and current sample sizes. */
  referenceCount: z.number().int().nonnegative(),
  currentCount: z.number().int().nonnegative(),
  /** Drifted: significant after correction AND an effect size over its threshold. */
  drift: z.boolean(),
  /** Why the decision went the way it did, in words. */
  reason: z.string(),
  reference: Distribution,
  current: Distribution,
});
export type FeatureDrift = z.infer<typeof FeatureDrift>;

export const DriftReport = z.object({
  drift: z.boolean(),
  model: z.object({ name: z.string(), version: z.string() }).optional(),
  /** Where the reference came from: the model's training baseline, or a reference file. */
  reference: z.string(),
  current: z.string(),
  rows: z.number().int().nonnegative(),
  /** The thresholds the decisions used. */
  settings: z.object({ alpha: z.number(), psiThreshold: z.number(), ksThreshold: z.number(), correction: z.literal('benjamini-hochberg') }),
  /** Features, drifted first, then by adjusted p-value. */
  features: z.array(FeatureDrift),
  /** Drift of the model's output (predicted label or value), when predictions were available. */
  prediction: FeatureDrift.optional(),
  createdAt: z.string(),
});
export type DriftReport = z.infer<typeof DriftReport>;
