import { IssueList } from '../errors.ts';
import { type FeatureSlot, featureSlots, type InputSlot } from '../feature-checks.ts';
import { packInstances, type RowSink } from '../instances.ts';
import type { ModelPackage, TensorType } from '../model-package.ts';

/** The Open Inference Protocol datatype of each tensor type (as the Lambda path's metadata says). */
export const V2_DATATYPES: Record<TensorType, string> = { float32: 'FP32', float64: 'FP64', int32: 'INT32', int64: 'INT64', string: 'BYTES' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const flatten = (data: unknown[]): unknown[] => (data.some(Array.isArray) ? (data.flat(Infinity) as unknown[]) : data);

/** A validated v2 request: its rows in feature order, the outputs asked for, and the request id. */
export interface V2Request {
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
  v2(body: unknown): V2Request {
    const issues = new IssueList();
    if (!isRecord(body)) {
      issues.add('', 'expected a JSON object with "inputs"');
      issues.throwIfAny('invalid inference request');
    }
    const request = body as Record<string, unknown>;
    const inputs = Array.isArray(request.inputs) ? request.inputs : undefined;
    if (!inputs) issues.add('inputs', 'expected an array of input tensors');
    const byName = new Map<string, { tensor: Record<string, unknown>; path: string }>();
    inputs?.forEach((t, i) => {
      const path = `inputs[${i}]`;
      if (!isRecord(t) || typeof t.name !== 'string') return issues.add(path, 'expected a tensor object with a "name"');
      if (!this.inputs.some((s) => s.name === t.name)) return issues.add(`${path}.name`, `unknown input ${JSON.stringify(t.name)}`);
      if (byName.has(t.name)) return issues.add(`${path}.name`, `input ${JSON.stringify(t.name)} given twice`);
      byName.set(t.name, { tensor: t, path });
    });
    const declared = this.pkg.outputs.map((o) => o.name);
    let outputs = declared;
    if (request.outputs !== undefined) {
      if (!Array.isArray(request.outputs)) issues.add('outputs', 'expected an array of {"name": ...}');
      else {
        outputs = [];
        request.outputs.forEach((o, i) => {
          const name = isRecord(o) ? o.name : undefined;
          if (typeof name === 'string' && declared.includes(name)) outputs.push(name);
          else issues.add(`outputs[${i}].name`, `unknown output; expected one of ${declared.join(', ')}`);
        });
      }
    }
    const rows: unknown[][] = [];
    if (inputs && issues.empty) {
      const rowCounts = new Set<number | undefined>();
      for (const slot of this.inputs) {
        const given = byName.get(slot.name);
        if (!given) issues.add('inputs', `missing input ${JSON.stringify(slot.name)}`);
        else rowCounts.add(this.unpackTensor(slot, given.tensor, given.path, issues, rows));
      }
      if (issues.empty && rowCounts.size > 1) issues.add('inputs', 'all inputs must have the same number of rows');
    }
    issues.throwIfAny('invalid inference request');
    return { rows, outputs, ...(typeof request.id === 'string' ? { id: request.id } : {}) };
  }

  private unpackTensor(slot: InputSlot, tensor: Record<string, unknown>, path: string, issues: IssueList, rows: unknown[][]): number | undefined {
    const { datatype, shape, data } = tensor;
    const structural: [string, string][] = [];
    if (datatype !== V2_DATATYPES[slot.type]) structural.push([`${path}.datatype`, `expected ${V2_DATATYPES[slot.type]}, got ${JSON.stringify(datatype)}`]);
    const validShape = Array.isArray(shape) && shape.length === 2 && shape.every((d) => Number.isInteger(d) && d >= 0) && shape[1] === slot.width;
    if (!validShape) structural.push([`${path}.shape`, `expected [rows, ${slot.width}], got ${JSON.stringify(shape)}`]);
    const count = validShape ? (shape as number[])[0]! : 0;
    if (validShape && count === 0) structural.push([`${path}.shape`, 'expected at least one row']);
    if (count > this.maxBatch) structural.push([`${path}.shape`, `batch of ${count} rows exceeds the maximum of ${this.maxBatch}`]);
    if (!Array.isArray(data)) structural.push([`${path}.data`, 'expected an array']);
    if (structural.length) {
      for (const [at, message] of structural) issues.add(at, message);
      return undefined;
    }
    const values = flatten(data as unknown[]);
    if (values.length !== count * slot.width) {
      issues.add(`${path}.data`, `expected ${count * slot.width} values for shape [${count}, ${slot.width}], got ${values.length}`);
      return undefined;
    }
    const slots = this.slots.filter((s) => s.input === slot);
    for (let i = 0; i < values.length; i++) {
      const feature = slots[i % slot.width]!;
      const row = Math.floor(i / slot.width);
      const problem = feature.check(values[i]);
      if (problem) issues.add(`${path}.data[${i}]`, `${feature.feature.name} (row ${row}): ${problem}`);
      else (rows[row] ??= new Array(this.slots.length).fill(null))[this.index.get(feature)!] = values[i] ?? null;
    }
    return count;
  }
}
