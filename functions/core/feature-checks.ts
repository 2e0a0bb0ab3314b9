import type { Feature, TensorType } from './model-package.ts';

/**
 * The per-feature value checks of the schema (types, ranges, categories, missing values), free of
 * onnxruntime so that paths that never run a session (the SageMaker invoke function) validate alike.
 */

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}` : typeof v;

const numericCheck = (f: Extract<Feature, { type: 'numeric' }>, integer: boolean) => {
  const range = f.range?.strict ? f.range : undefined;
  return (v: unknown): string | undefined => {
    if (v === null || v === undefined) return f.allowMissing ? undefined : v === null ? 'must not be null' : 'missing feature';
    if (typeof v !== 'number') return `expected a number, got ${describe(v)}`;
    if (!Number.isFinite(v)) return `must be a finite number, got ${v}`;
    if (integer && !Number.isInteger(v)) return `expected an integer, got ${v}`;
    if (range && (v < range.min || v > range.max)) return `${v} is outside the model's range [${range.min}, ${range.max}]`;
    return undefined;
  };
};

const categoricalCheck = (f: Extract<Feature, { type: 'categorical' }>) => {
  const known = new Set(f.categories);
  return (v: unknown): string | undefined => {
    if (v === null || v === undefined) return f.allowMissing ? undefined : v === null ? 'must not be null' : 'missing feature';
    if (typeof v !== 'string') return `expected a string, got ${describe(v)}`;
    if (!known.has(v)) return `unknown category ${JSON.stringify(v)}; expected one of ${f.categories.map((c) => JSON.stringify(c)).join(', ')}`;
    return undefined;
  };
};

/** The check of one feature's values, given the tensor type of the graph input it feeds. */
export const featureCheck = (feature: Feature, type: TensorType): ((value: unknown) => string | undefined) =>
  feature.type === 'numeric' ? numericCheck(feature, type === 'int32' || type === 'int64') : categoricalCheck(feature);
