import type ort from 'onnxruntime-node';
import type { InputBatch } from './feature-layout.ts';
import type { Model } from './model.ts';
import { InvalidInputError } from './errors.ts';
import { NON_FINITE_ANSWER, nonFiniteRows, type Prediction, toPredictions, tensorValues } from './predictions.ts';
import { flatten, readV2Request, V2_DATATYPES } from './v2-request.ts';

/**
 * The Open Inference Protocol (KServe v2 REST): model metadata and tensor-in, tensor-out inference,
 * checked against the same feature schema as the friendly `predict` form.
 */

const ORT_DATATYPES: Record<string, string> = { ...V2_DATATYPES, bool: 'BOOL', uint8: 'UINT8', int8: 'INT8', float16: 'FP16' };

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

/** A model's v2 metadata; `versions` are the versions the server answers for by name (the primary's alone by default). */
export function metadata(model: Model, versions: readonly string[] = [model.version]) {
  const outputs = new Map(model.session.outputMetadata.map((m) => [m.name, m]));
  return {
    name: model.name,
    versions,
    platform: 'onnxruntime_onnx',
    inputs: model.layout.inputs.map((i): TensorMetadata => ({ name: i.name, datatype: V2_DATATYPES[i.type], shape: [-1, i.width] })),
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

/** Told of the scored rows (in feature order) and their friendly predictions, e.g. to capture them. */
export type OnScored = (instances: unknown[][], predictions: Prediction[]) => void;

/** Refuses an answer holding NaN or Infinity in any requested numeric output, naming its rows (JSON would have turned them into null). */
function refuseNonFinite(results: ort.InferenceSession.ReturnType, requested: readonly string[], rows: number): void {
  const broken = [...new Set(requested.flatMap((name) => nonFiniteRows(results[name]!, rows)))].sort((a, b) => a - b);
  if (broken.length) throw new InvalidInputError('the model cannot score some rows', broken.map((r) => ({ path: `row ${r}`, message: NON_FINITE_ANSWER })));
}

/** Validates a v2 inference request, runs it, and answers in the v2 response form. */
export const infer = (model: Model, body: unknown, onScored?: OnScored) => model.layout.withBatch((batch) => inferWith(model, batch, body, onScored));

/** The rows of a validated request's tensors, each as its values in feature order. */
function rowsOf(model: Model, tensors: ReadonlyMap<string, Record<string, unknown>>, rows: number): unknown[][] {
  const data = new Map([...tensors].map(([name, tensor]) => [name, flatten(tensor.data as unknown[])]));
  return Array.from({ length: rows }, (_, r) => model.layout.slots.map((s) => data.get(s.input.name)![r * s.input.width + s.column]));
}

async function inferWith(model: Model, batch: InputBatch, body: unknown, onScored?: OnScored) {
  const { layout, pkg } = model;
  const request = readV2Request({ inputs: layout.inputs, slots: layout.slots, maxBatch: layout.maxBatch, outputs: pkg.outputs.map((o) => o.name) }, body, (slot, row, value) =>
    batch.write(slot, row, value),
  );
  const { rows, outputs: requested } = request;
  const results = await model.run(batch, rows, requested);
  refuseNonFinite(results, requested, rows);
  if (onScored) {
    const head = model.pkg.outputs[0]!.name;
    const full = requested.includes(head) ? results : await model.run(batch, rows);
    onScored(rowsOf(model, request.tensors, rows), toPredictions(model.pkg, full, rows));
  }
  return {
    model_name: model.name,
    model_version: model.version,
    ...(request.id !== undefined ? { id: request.id } : {}),
    outputs: requested.map((name): V2Tensor => {
      const tensor = results[name] as ort.Tensor;
      return { name, datatype: ORT_DATATYPES[tensor.type] ?? tensor.type.toUpperCase(), shape: [...tensor.dims], data: tensorValues(tensor) };
    }),
  };
}
