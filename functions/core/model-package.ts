import { z } from 'zod';

/**
 * The `model.json` that travels next to every `model.onnx`: everything a server, a batch job,
 * a drift job or a rollout hook needs to know about a model version, validated at load.
 */

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, starting with a letter or digit');

// zod 4 numbers already refuse NaN and Infinity.
const finite = z.number();

/** ONNX element types the engine can feed. */
export const TensorType = z.enum(['float32', 'float64', 'int64', 'int32', 'string']);
export type TensorType = z.infer<typeof TensorType>;

/** One named input of the ONNX graph; features are packed into it in declaration order, shape [N, k]. */
const GraphInput = z.object({
  name: z.string().min(1),
  type: TensorType,
});

const NumericFeature = z.object({
  name: z.string().min(1),
  type: z.literal('numeric'),
  description: z.string().optional(),
  /** Graph input this feature is packed into; defaults to the first input. */
  input: z.string().optional(),
  /** Values seen in training. With `strict`, values outside are rejected; without, they are accepted. */
  range: z
    .object({ min: finite, max: finite, strict: z.boolean().default(false) })
    .refine((r) => r.min <= r.max, 'range.min must not exceed range.max')
    .optional(),
  /** When true, null/absent is accepted and fed to the graph as NaN (the graph must impute it). */
  allowMissing: z.boolean().default(false),
});

const CategoricalFeature = z.object({
  name: z.string().min(1),
  type: z.literal('categorical'),
  description: z.string().optional(),
  input: z.string().optional(),
  categories: z.array(z.string()).min(1),
  /** When true, null/absent is accepted and fed to the graph as the empty string. */
  allowMissing: z.boolean().default(false),
});

export const Feature = z.discriminatedUnion('type', [NumericFeature, CategoricalFeature]);
export type Feature = z.infer<typeof Feature>;

/**
 * A graph output and how it maps to a friendly prediction:
 * - `probabilities`: [N, K] class probabilities, `labels` names the K classes;
 * - `label`: [N] or [N, 1] class index (int64) or class name (string), `labels` maps indexes;
 * - `value`: [N] or [N, 1] regression value.
 */
export const Output = z.object({
  name: z.string().min(1),
  kind: z.enum(['probabilities', 'label', 'value']),
  description: z.string(),
  labels: z.array(z.string()).min(2).optional(),
});
export type Output = z.infer<typeof Output>;

const NumericBaseline = z.object({
  type: z.literal('numeric'),
  count: z.number().int().nonnegative(),
  mean: finite,
  std: finite,
  min: finite,
  max: finite,
  /** Quantile bin edges (ascending, length = counts.length + 1); counts of training rows per bin. */
  bins: z.object({ edges: z.array(finite).min(2), counts: z.array(z.number().int().nonnegative()).min(1) }),
});

const CategoricalBaseline = z.object({
  type: z.literal('categorical'),
  count: z.number().int().nonnegative(),
  frequencies: z.record(z.string(), z.number().int().nonnegative()),
});

export const Baseline = z.discriminatedUnion('type', [NumericBaseline, CategoricalBaseline]);
export type Baseline = z.infer<typeof Baseline>;

export const Example = z.object({
  instance: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  prediction: z.unknown(),
});

export const ModelPackage = z
  .object({
    name,
    version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'a semantic version such as 1.0.0'),
    task: z.enum(['binary-classification', 'multiclass-classification', 'regression']),
    description: z.string(),
    /** SHA-256 (hex) of model.onnx; the file is refused when it does not match. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
    inputs: z.array(GraphInput).min(1),
    features: z.array(Feature).min(1),
    outputs: z.array(Output).min(1),
    baseline: z.object({
      rows: z.number().int().positive(),
      features: z.record(z.string(), Baseline),
    }),
    metrics: z.object({
      holdout: z.record(z.string(), finite),
    }),
    training: z.object({
      dataset: z.string(),
      source: z.string(),
      target: z.string(),
      rows: z.number().int().positive(),
      holdoutRows: z.number().int().nonnegative(),
      split: z.string(),
      algorithm: z.string(),
      script: z.string().optional(),
    }),
    examples: z.array(Example).min(1),
  })
  .superRefine((pkg, ctx) => {
    const inputs = new Set(pkg.inputs.map((i) => i.name));
    const seen = new Set<string>();
    pkg.features.forEach((f, i) => {
      if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: `duplicate feature "${f.name}"` });
      seen.add(f.name);
      if (f.input !== undefined && !inputs.has(f.input)) {
        ctx.addIssue({ code: 'custom', path: ['features', i, 'input'], message: `unknown graph input "${f.input}"` });
      }
      if (!(f.name in pkg.baseline.features)) {
        ctx.addIssue({ code: 'custom', path: ['baseline', 'features'], message: `no baseline for feature "${f.name}"` });
      }
    });
    for (const input of pkg.inputs) {
      const fed = pkg.features.filter((f) => (f.input ?? pkg.inputs[0]!.name) === input.name);
      if (fed.length === 0) ctx.addIssue({ code: 'custom', path: ['inputs'], message: `graph input "${input.name}" receives no feature` });
      const wantsString = input.type === 'string';
      fed.forEach((f) => {
        if (f.allowMissing && (input.type === 'int32' || input.type === 'int64')) {
          ctx.addIssue({
            code: 'custom',
            path: ['features', pkg.features.indexOf(f), 'allowMissing'],
            message: `"${f.name}" feeds integer input "${input.name}", which has no missing value (NaN) to carry`,
          });
        }
        if ((f.type === 'categorical') !== wantsString) {
          ctx.addIssue({
            code: 'custom',
            path: ['features', pkg.features.indexOf(f), 'input'],
            message: `${f.type} feature "${f.name}" cannot feed ${input.type} input "${input.name}"`,
          });
        }
      });
    }
    const isClassifier = pkg.task !== 'regression';
    const head = pkg.outputs[0]!;
    if (isClassifier && head.kind === 'value') {
      ctx.addIssue({ code: 'custom', path: ['outputs', 0, 'kind'], message: 'a classifier needs a probabilities or label output first' });
    }
    if (!isClassifier && head.kind !== 'value') {
      ctx.addIssue({ code: 'custom', path: ['outputs', 0, 'kind'], message: 'a regressor needs a value output first' });
    }
    if (head.kind === 'probabilities' && !head.labels) {
      ctx.addIssue({ code: 'custom', path: ['outputs', 0, 'labels'], message: 'a probabilities output needs labels' });
    }
  });

export type ModelPackage = z.infer<typeof ModelPackage>;

/** The graph input a feature feeds. */
export const inputOf = (pkg: ModelPackage, feature: Feature): string => feature.input ?? pkg.inputs[0]!.name;
