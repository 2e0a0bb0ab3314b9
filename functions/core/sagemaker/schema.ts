import { type FeatureSlot, featureSlots, type InputSlot } from '../feature-checks.ts';
import { packInstances, type RowSink } from '../instances.ts';
import type { ModelPackage } from '../model-package.ts';
import { readV2Request } from '../v2-request.ts';

export { V2_DATATYPES } from '../v2-request.ts';


/** A validated v2 request: its rows in feature order, the outputs asked for, and the request id. */
export interface RowsRequest {
  readonly rows: unknown[][];
  readonly outputs: readonly string[];
  readonly id?: string;
}

/**
 * A model's request schema without an ONNX Runtime session: the same slots and per-feature checks
 * as `FeatureLayout`, packing checked values into plain rows in feature order (what a SageMaker
 * container receives) instead of tensors.
 */
export class RequestSchema {
  readonly inputs: readonly InputSlot[];
  readonly slots: readonly FeatureSlot[];
  readonly byName: ReadonlyMap<string, FeatureSlot>;
  private readonly index: ReadonlyMap<FeatureSlot, number>;

  constructor(
    readonly pkg: ModelPackage,
    readonly maxBatch: number,
  ) {
    ({ inputs: this.inputs, slots: this.slots, byName: this.byName } = featureSlots(pkg));
    this.index = new Map(this.slots.map((s, i) => [s, i]));
  }

  /** Checks `{"instances": [...]}` rows (named objects or arrays in feature order) exactly as the Lambda path does. */
  rows(instances: unknown): unknown[][] {
    const rows: unknown[][] = [];
    const sink: RowSink = {
      write: (slot, row, value) => {
        (rows[row] ??= new Array(this.slots.length).fill(null))[this.index.get(slot)!] = value ?? null;
      },
    };
    const count = packInstances(this, sink, instances);
    return rows.slice(0, count);
  }

  /** Checks an Open Inference Protocol request (tensors per graph input) and returns its rows in feature order. */
  v2(body: unknown): RowsRequest {
    const rows: unknown[][] = [];
    const schema = { inputs: this.inputs, slots: this.slots, maxBatch: this.maxBatch, outputs: this.pkg.outputs.map((o) => o.name) };
    const request = readV2Request(schema, body, (slot, row, value) => {
      (rows[row] ??= new Array(this.slots.length).fill(null))[this.index.get(slot)!] = value ?? null;
    });
    return { rows: rows.slice(0, request.rows), outputs: request.outputs, ...(request.id !== undefined ? { id: request.id } : {}) };
  }
}
