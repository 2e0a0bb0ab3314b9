import type ort from 'onnxruntime-node';
import { IssueList } from './errors.ts';
import type { InputBatch, InputSlot } from './feature-layout.ts';
import type { Model } from './model.ts';
import type { TensorType } from './model-package.ts';
import { type Prediction, toPredictions, tensorValues } from './predictions.ts';

/**
 * The Open Inference Protocol (KServe v2 REST): model metadata and tensor-in, tensor-out inference,
 * checked against the same feature schema as the friendly `predict` form.
 */

const DATATYPES: Record<TensorType, string> = {
  float32: 'FP32',
  float64: 'FP64',
  int32: 'INT32',
  int64: 'INT64',
  string: 'BYTES',
};

const ORT_DATATYPES: Record<string, string> = { ...DATATYPES, bool: 'BOOL', uint8: 'UINT8', int8: 'INT8', float16: 'FP16' };

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface V2Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: (number | string)[];
}

export function metadata(model: Model) {
  const outputs = new Map(model.session.outputMetadata.map((m) => [m.name, m]));
  return {
    name: model.name,
    versions: [model.version],
    platform: 'onnxruntime_onnx',
    inputs: model.layout.inputs.map((i): TensorMetadata => ({ name: i.name, datatype: DATATYPES[i.type], shape: [-1, i.width] })),
    outputs: model.pkg.outputs.map((o): TensorMetadata => {
      const meta = outputs.get(o.name);
      const tensor = meta?.isTensor ? meta : undefined;
      return {
        name: o.name,
        datatype: (tensor && ORT_DATATYPES[tensor.type]) ?? 'FP32',
        shape: tensor ? tensor.shape.map((d) => (typeof d === 'number' ? d : -1)) : [-1],
      };
    }),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flattens nested data (some clients send [[...],[...]]) into row-major order. */
const flatten = (data: unknown[]): unknown[] => (data.some(Array.isArray) ? (data.flat(Infinity) as unknown[]) : data);

function packTensor(model: Model, batch: InputBatch, slot: InputSlot, tensor: Record<string, unknown>, path: string, issues: IssueList): number | undefined {
  const { datatype, shape, data } = tensor;
  const structural: [string, string][] = [];
  if (datatype !== DATATYPES[slot.type]) structural.push([`${path}.datatype`, `expected ${DATATYPES[slot.type]}, got ${JSON.stringify(datatype)}`]);
  const validShape =
    Array.isArray(shape) && shape.length === 2 && shape.every((d) => Number.isInteger(d) && d >= 0) && shape[1] === slot.width;
  if (!validShape) structural.push([`${path}.shape`, `expected [rows, ${slot.width}], got ${JSON.stringify(shape)}`]);
  const rows = validShape ? (shape as number[])[0]! : 0;
  if (validShape && rows === 0) structural.push([`${path}.shape`, 'expected at least one row']);
  if (rows > model.layout.maxBatch) structural.push([`${path}.shape`, `batch of ${rows} rows exceeds the maximum of ${model.layout.maxBatch}`]);
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
  const slots = model.layout.slots.filter((s) => s.input === slot);
  for (let i = 0; i < values.length; i++) {
    const feature = slots[i % slot.width]!;
    const value = values[i];
    const problem = feature.check(value);
    if (problem) issues.add(`${path}.data[${i}]`, `${feature.feature.name} (row ${Math.floor(i / slot.width)}): ${problem}`);
    else batch.write(feature, Math.floor(i / slot.width), value);
  }
  return rows;
}

/** Told of the scored rows (in feature order) and their friendly predictions, e.g. to capture them. */
export type OnScored = (instances: unknown[][], predictions: Prediction[]) => void;

/** Validates a v2 inference request, runs it, and answers in the v2 response form. */
export const infer = (model: Model, body: unknown, onScored?: OnScored) => model.layout.withBatch((batch) => inferWith(model, batch, body, onScored));

/** The rows of a validated request's tensors, each as its values in feature order. */
function rowsOf(model: Model, tensors: ReadonlyMap<string, { tensor: Record<string, unknown> }>, rows: number): unknown[][] {
  const data = new Map([...tensors].map(([name, { tensor }]) => [name, flatten(tensor.data as unknown[])]));
  return Array.from({ length: rows }, (_, r) => model.layout.slots.map((s) => data.get(s.input.name)![r * s.input.width + s.column]));
}

async function inferWith(model: Model, batch: InputBatch, body: unknown, onScored?: OnScored) {
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
    if (!model.layout.inputs.some((s) => s.name === t.name)) return issues.add(`${path}.name`, `unknown input ${JSON.stringify(t.name)}`);
    if (byName.has(t.name)) return issues.add(`${path}.name`, `input ${JSON.stringify(t.name)} given twice`);
    byName.set(t.name, { tensor: t, path });
  });
  const declared = model.pkg.outputs.map((o) => o.name);
  let requested = declared;
  if (request.outputs !== undefined) {
    if (!Array.isArray(request.outputs)) issues.add('outputs', 'expected an array of {"name": ...}');
    else {
      requested = [];
      request.outputs.forEach((o, i) => {
        const name = isRecord(o) ? o.name : undefined;
        if (typeof name === 'string' && declared.includes(name)) requested.push(name);
        else issues.add(`outputs[${i}].name`, `unknown output; expected one of ${declared.join(', ')}`);
      });
    }
  }
  if (inputs && issues.empty) {
    const rowCounts = new Set<number | undefined>();
    for (const slot of model.layout.inputs) {
      const given = byName.get(slot.name);
      if (!given) issues.add('inputs', `missing input ${JSON.stringify(slot.name)}`);
      else rowCounts.add(packTensor(model, batch, slot, given.tensor, given.path, issues));
    }
    if (issues.empty && rowCounts.size > 1) issues.add('inputs', 'all inputs must have the same number of rows');
  }
  issues.throwIfAny('invalid inference request');
  const rows = (byName.values().next().value!.tensor.shape as number[])[0]!;
  const results = await model.run(batch, rows, requested);
  if (onScored) {
    const head = model.pkg.outputs[0]!.name;
    const full = requested.includes(head) ? results : await model.run(batch, rows);
    onScored(rowsOf(model, byName, rows), toPredictions(model.pkg, full, rows));
  }
  return {
    model_name: model.name,
    model_version: model.version,
    ...(typeof request.id === 'string' ? { id: request.id } : {}),
    outputs: requested.map((name): V2Tensor => {
      const tensor = results[name] as ort.Tensor;
      return { name, datatype: ORT_DATATYPES[tensor.type] ?? tensor.type.toUpperCase(), shape: [...tensor.dims], data: tensorValues(tensor) };
    }),
  };
}
