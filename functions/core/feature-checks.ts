import { type Feature, inputOf, type ModelPackage, type TensorType } from './model-package.ts';

/**
 * The per-feature value checks of the schema (types, ranges, categories, missing values), free of
 * onnxruntime so that paths that never run a session (the SageMaker invoke function) validate alike.
 */

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  // A Parquet timestamp or date column.
  if (v instanceof Date) return `the date ${Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()}`;
  return typeof v;
}

/**
 * The plain numbers a numeric feature takes without a word: finite, in the strict range if it has
 * one and within what its input type holds, integers only for an integer input. Loops over millions
 * of values test these bounds inline (NaN fails every comparison; ±Infinity lies beyond every type's
 * limits) and call the check only for what falls outside.
 */
export interface NumericBounds {
  /** Smallest accepted value: the strict range's min, else the input type's. */
  readonly min: number;
  /** Largest accepted value: the strict range's max, else the input type's. */
  readonly max: number;
  /** Whole numbers only (the feature feeds an int32 or int64 input). */
  readonly integer: boolean;
}

const isInteger = (type: TensorType) => type === 'int32' || type === 'int64';

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The values a graph input's type holds: past them a float32 becomes Infinity (and the model's
 * answer NaN) and an integer wraps, so they are refused like values out of a strict range.
 */
const TYPE_LIMITS: Record<TensorType, { min: number; max: number }> = {
  float32: { min: -FLOAT32_MAX, max: FLOAT32_MAX },
  float64: { min: -Number.MAX_VALUE, max: Number.MAX_VALUE },
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  // The largest double below 2^63: 2^63 itself is one past int64.
  int64: { min: -(2 ** 63), max: 2 ** 63 - 1024 },
  string: { min: -Number.MAX_VALUE, max: Number.MAX_VALUE },
};

const strictRange = (f: Extract<Feature, { type: 'numeric' }>) => (f.range?.strict ? f.range : undefined);

const numericBounds = (f: Extract<Feature, { type: 'numeric' }>, type: TensorType): NumericBounds => {
  const range = strictRange(f);
  const limits = TYPE_LIMITS[type];
  return { min: Math.max(range?.min ?? limits.min, limits.min), max: Math.min(range?.max ?? limits.max, limits.max), integer: isInteger(type) };
};

const numericCheck = (f: Extract<Feature, { type: 'numeric' }>, { min, max, integer }: NumericBounds, type: TensorType) => (v: unknown): string | undefined => {
  if (v === null || v === undefined) return f.allowMissing ? undefined : v === null ? 'must not be null' : 'missing feature';
  if (typeof v !== 'number') return `expected a number, got ${describe(v)}`;
  if (!Number.isFinite(v)) return `must be a finite number, got ${v}`;
  if (integer && !Number.isInteger(v)) return `expected an integer, got ${v}`;
  if (v < min || v > max) {
    const range = strictRange(f);
    return range && (v < range.min || v > range.max) ? `${v} is outside the model's range [${range.min}, ${range.max}]` : `${v} does not fit the model's ${type} input`;
  }
  return undefined;
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

/** Where one feature lands: which graph input, which column, and how its values are checked. */
export interface FeatureSlot {
  readonly feature: Feature;
  readonly input: InputSlot;
  /** Index of `input` in the layout's inputs. */
  readonly inputIndex: number;
  readonly column: number;
  /** Returns why `value` is unacceptable for this feature, or undefined when it is fine. */
  readonly check: (value: unknown) => string | undefined;
  /** For a numeric feature, the numbers `check` accepts, as bounds a loop can test inline. */
  readonly bounds?: NumericBounds;
}

/** One graph input: the features packed into it, shape [N, width]. */
export interface InputSlot {
  readonly name: string;
  readonly type: TensorType;
  readonly width: number;
}

/** The slots of a model: every feature bound to its graph input and column, with its check; shared by the ONNX and the SageMaker paths. */
export function featureSlots(pkg: ModelPackage): { inputs: InputSlot[]; slots: FeatureSlot[]; byName: Map<string, FeatureSlot> } {
  const inputs = pkg.inputs.map((i) => ({ name: i.name, type: i.type, width: pkg.features.filter((f) => inputOf(pkg, f) === i.name).length }));
  const next = new Map(inputs.map((i) => [i.name, 0]));
  const slots = pkg.features.map((feature): FeatureSlot => {
    const inputIndex = inputs.findIndex((i) => i.name === inputOf(pkg, feature));
    const input = inputs[inputIndex]!;
    const column = next.get(input.name)!;
    next.set(input.name, column + 1);
    if (feature.type === 'categorical') return { feature, input, inputIndex, column, check: categoricalCheck(feature) };
    const bounds = numericBounds(feature, input.type);
    return { feature, input, inputIndex, column, check: numericCheck(feature, bounds, input.type), bounds };
  });
  return { inputs, slots, byName: new Map(slots.map((s) => [s.feature.name, s])) };
}
