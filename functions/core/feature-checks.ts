import { type Feature, inputOf, type ModelPackage, type TensorType } from './model-package.ts';

/**
 * The per-feature value checks of the schema (types, ranges, categories, missing values), free of
 * onnxruntime so that paths that never run a session (the SageMaker invoke function) validate alike.
 */

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}` : typeof v;

/**
 * The plain numbers a numeric feature takes without a word: finite, in the strict range if it has
 * one, integers only for an integer input. Loops over millions of values test these bounds inline
 * (NaN fails every comparison; ±Infinity lies beyond ±Number.MAX_VALUE) and call the check only
 * for what falls outside.
 */
export interface NumericBounds {
  /** Smallest accepted value: the strict range's min, else -Number.MAX_VALUE. */
  readonly min: number;
  /** Largest accepted value: the strict range's max, else Number.MAX_VALUE. */
  readonly max: number;
  /** Whole numbers only (the feature feeds an int32 or int64 input). */
  readonly integer: boolean;
}

const isInteger = (type: TensorType) => type === 'int32' || type === 'int64';

const numericBounds = (f: Extract<Feature, { type: 'numeric' }>, integer: boolean): NumericBounds => {
  const range = f.range?.strict ? f.range : undefined;
  return { min: range?.min ?? -Number.MAX_VALUE, max: range?.max ?? Number.MAX_VALUE, integer };
};

// A finite value is never outside the default bounds (±Number.MAX_VALUE), so only a strict range can reject one.
const numericCheck = (f: Extract<Feature, { type: 'numeric' }>, { min, max, integer }: NumericBounds) => (v: unknown): string | undefined => {
  if (v === null || v === undefined) return f.allowMissing ? undefined : v === null ? 'must not be null' : 'missing feature';
  if (typeof v !== 'number') return `expected a number, got ${describe(v)}`;
  if (!Number.isFinite(v)) return `must be a finite number, got ${v}`;
  if (integer && !Number.isInteger(v)) return `expected an integer, got ${v}`;
  if (v < min || v > max) return `${v} is outside the model's range [${min}, ${max}]`;
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
    const bounds = numericBounds(feature, isInteger(input.type));
    return { feature, input, inputIndex, column, check: numericCheck(feature, bounds), bounds };
  });
  return { inputs, slots, byName: new Map(slots.map((s) => [s.feature.name, s])) };
}
