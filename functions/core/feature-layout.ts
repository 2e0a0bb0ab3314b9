import ort from 'onnxruntime-node';
import { type FeatureSlot, featureSlots, type InputSlot } from './feature-checks.ts';
import type { ModelPackage, TensorType } from './model-package.ts';

export type { FeatureSlot, InputSlot } from './feature-checks.ts';

type Buffer = Float32Array | Float64Array | Int32Array | BigInt64Array | string[];

const allocate = (type: TensorType, size: number): Buffer => {
  switch (type) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'int64':
      return new BigInt64Array(size);
    case 'string':
      return [];
  }
};

/**
 * One batch's input buffers, sized for `maxBatch` rows. ORT wraps them without copying and reads
 * them only when the native run executes (a later tick), so a batch stays with one call until its
 * run has resolved; the layout hands out another to any call that overlaps.
 */
export class InputBatch {
  private readonly buffers: Buffer[];

  constructor(private readonly layout: FeatureLayout) {
    this.buffers = layout.inputs.map((i) => allocate(i.type, layout.maxBatch * i.width));
  }

  /** Writes an already checked value at `row`; missing values become NaN (numeric) or '' (categorical). */
  write(slot: FeatureSlot, row: number, value: unknown): void {
    const at = row * slot.input.width + slot.column;
    const buffer = this.buffers[slot.inputIndex]!;
    if (Array.isArray(buffer)) buffer[at] = (value as string | null | undefined) ?? '';
    else if (buffer instanceof BigInt64Array) buffer[at] = BigInt((value as number | null | undefined) ?? 0);
    else buffer[at] = (value as number | null | undefined) ?? Number.NaN;
  }

  /** The float or int32 buffer a numeric feature is written to, for loops that write numbers directly; else undefined. */
  numbers(slot: FeatureSlot): Float32Array | Float64Array | Int32Array | undefined {
    const buffer = this.buffers[slot.inputIndex]!;
    return Array.isArray(buffer) || buffer instanceof BigInt64Array ? undefined : buffer;
  }

  /** Copies row `from` over row `to` in every input, to close the gap a rejected row left. */
  moveRow(from: number, to: number): void {
    this.layout.inputs.forEach((input, i) => {
      const buffer = this.buffers[i]!;
      const w = input.width;
      if (Array.isArray(buffer)) for (let c = 0; c < w; c++) buffer[to * w + c] = buffer[from * w + c]!;
      else buffer.copyWithin(to * w, from * w, from * w + w);
    });
  }

  /** Tensors over the first `rows` rows of every input buffer. */
  feeds(rows: number): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    this.layout.inputs.forEach((input, i) => {
      const buffer = this.buffers[i]!;
      const size = rows * input.width;
      const data = Array.isArray(buffer) ? buffer.slice(0, size) : buffer.subarray(0, size);
      feeds[input.name] = new ort.Tensor(input.type, data, [rows, input.width]);
    });
    return feeds;
  }
}

/**
 * The packing plan of a model: features in declaration order, each bound to its graph input and
 * column, and a pool of input batches so that sequential calls reuse one set of buffers.
 */
export class FeatureLayout {
  readonly inputs: readonly InputSlot[];
  readonly slots: readonly FeatureSlot[];
  readonly byName: ReadonlyMap<string, FeatureSlot>;
  private readonly idle: InputBatch[] = [];

  constructor(
    pkg: ModelPackage,
    readonly maxBatch: number,
  ) {
    ({ inputs: this.inputs, slots: this.slots, byName: this.byName } = featureSlots(pkg));
  }

  /** Runs `use` with a batch of its own, returned to the pool once the promise settles. */
  async withBatch<T>(use: (batch: InputBatch) => Promise<T>): Promise<T> {
    const batch = this.idle.pop() ?? new InputBatch(this);
    try {
      return await use(batch);
    } finally {
      this.idle.push(batch);
    }
  }
}
