import { IssueList } from './errors.ts';
import type { FeatureSlot, InputSlot } from './feature-checks.ts';
import type { TensorType } from './model-package.ts';

/** The Open Inference Protocol datatype of each tensor type. */
export const V2_DATATYPES: Record<TensorType, string> = { float32: 'FP32', float64: 'FP64', int32: 'INT32', int64: 'INT64', string: 'BYTES' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flattens nested data (some clients send [[...],[...]]) into row-major order. */
export const flatten = (data: unknown[]): unknown[] => (data.some(Array.isArray) ? (data.flat(Infinity) as unknown[]) : data);

/** What a model's request is checked against: its graph inputs, feature slots, batch limit and outputs. */
export interface V2Schema {
  readonly inputs: readonly InputSlot[];
  readonly slots: readonly FeatureSlot[];
  readonly maxBatch: number;
  readonly outputs: readonly string[];
}

/** A checked request: its row count, the outputs asked for, its id, and its input tensors by name. */
export interface V2Request {
  readonly rows: number;
  readonly outputs: string[];
  readonly id?: string;
  readonly tensors: ReadonlyMap<string, Record<string, unknown>>;
}

/** Checks one input tensor's datatype, shape and values; good values go to `write`. Returns its row count, or undefined on a problem. */
function readTensor(schema: V2Schema, slot: InputSlot, tensor: Record<string, unknown>, path: string, issues: IssueList, write: (slot: FeatureSlot, row: number, value: unknown) => void): number | undefined {
  const { datatype, shape, data } = tensor;
  const structural: [string, string][] = [];
  if (datatype !== V2_DATATYPES[slot.type]) structural.push([`${path}.datatype`, `expected ${V2_DATATYPES[slot.type]}, got ${JSON.stringify(datatype)}`]);
  const validShape = Array.isArray(shape) && shape.length === 2 && shape.every((d) => Number.isInteger(d) && d >= 0) && shape[1] === slot.width;
  if (!validShape) structural.push([`${path}.shape`, `expected [rows, ${slot.width}], got ${JSON.stringify(shape)}`]);
  const rows = validShape ? (shape as number[])[0]! : 0;
  if (validShape && rows === 0) structural.push([`${path}.shape`, 'expected at least one row']);
  if (rows > schema.maxBatch) structural.push([`${path}.shape`, `batch of ${rows} rows exceeds the maximum of ${schema.maxBatch}`]);
  if (!Array.isArray(data)) structural.push([`${path}.data`, 'expected an array']);
  if (structural.length) {
    for (const [at, message] of structural) issues.add(at, message);
    return undefined;
  }
  const values = flatten(data as unknown[]);
  if (values.length !== rows * slot.width) {
    issues.add(`${path}.data`, `expected ${rows * slot.width} values for shape [${rows}, ${slot.width}], got ${values.length}`);
    return undefined;
  }
  const slots = schema.slots.filter((s) => s.input === slot);
  for (let i = 0; i < values.length; i++) {
    const feature = slots[i % slot.width]!;
    const row = Math.floor(i / slot.width);
    const problem = feature.check(values[i]);
    if (problem) issues.add(`${path}.data[${i}]`, `${feature.feature.name} (row ${row}): ${problem}`);
    else write(feature, row, values[i]);
  }
  return rows;
}

/**
 * Checks a v2 inference request against a model's schema, naming every problem (InvalidInputError),
 * and hands each good value to `write`: the ONNX path packs it into tensors, the SageMaker path into
 * rows in feature order.
 */
export function readV2Request(schema: V2Schema, body: unknown, write: (slot: FeatureSlot, row: number, value: unknown) => void): V2Request {
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
    if (!schema.inputs.some((s) => s.name === t.name)) return issues.add(`${path}.name`, `unknown input ${JSON.stringify(t.name)}`);
    if (byName.has(t.name)) return issues.add(`${path}.name`, `input ${JSON.stringify(t.name)} given twice`);
    byName.set(t.name, { tensor: t, path });
  });
  const declared = schema.outputs;
  let outputs = [...declared];
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
  const rowCounts = new Set<number | undefined>();
  if (inputs && issues.empty) {
    for (const slot of schema.inputs) {
      const given = byName.get(slot.name);
      if (!given) issues.add('inputs', `missing input ${JSON.stringify(slot.name)}`);
      else rowCounts.add(readTensor(schema, slot, given.tensor, given.path, issues, write));
    }
    if (issues.empty && rowCounts.size > 1) issues.add('inputs', 'all inputs must have the same number of rows');
  }
  issues.throwIfAny('invalid inference request');
  return {
    rows: [...rowCounts][0]!,
    outputs,
    ...(typeof request.id === 'string' ? { id: request.id } : {}),
    tensors: new Map([...byName].map(([name, { tensor }]) => [name, tensor])),
  };
}
