import { modelCard } from '../model-card.ts';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { ModelPackage } from '../model-package.ts';
import { EndpointError, invokeEndpoint } from './endpoint.ts';
import { RequestSchema, V2_DATATYPES } from './schema.ts';

/** Where one SageMaker-served model is and how long to wait for it. */
export interface EndpointModelSetting {
  readonly name: string;
  readonly endpoint: string;
  /** Path of the model.json the requests are checked against. */
  readonly modelJson: string;
  readonly timeoutMs: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A model served by a SageMaker endpoint, seen through its model.json: the same card, metadata and
 * request checks as a Lambda-served model, the scoring done by InvokeEndpoint.
 */
export class EndpointModel {
  readonly schema: RequestSchema;

  constructor(
    readonly pkg: ModelPackage,
    readonly endpoint: string,
    private readonly client: SageMakerRuntimeClient,
    private readonly timeoutMs: number,
    maxBatch: number,
  ) {
    this.schema = new RequestSchema(pkg, maxBatch);
  }

  get name(): string {
    return this.pkg.name;
  }

  get version(): string {
    return this.pkg.version;
  }

  card() {
    return { ...modelCard(this.pkg), serving: { kind: 'sagemaker', endpoint: this.endpoint } };
  }

  metadata() {
    return {
      name: this.name,
      versions: [this.version],
      platform: 'sagemaker',
      inputs: this.schema.inputs.map((i) => ({ name: i.name, datatype: V2_DATATYPES[i.type], shape: [-1, i.width] })),
      outputs: this.pkg.outputs.map((o) => ({ name: o.name, datatype: o.kind === 'label' ? 'BYTES' : 'FP32', shape: o.kind === 'probabilities' ? [-1, o.labels?.length ?? -1] : [-1] })),
    };
  }

  /** Checks `instances` and scores them: the container's predictions, one per instance. */
  async predict(instances: unknown, variant?: string) {
    const rows = this.schema.rows(instances);
    return { rows, ...(await invokeEndpoint(this.client, this.endpoint, rows, { timeoutMs: this.timeoutMs, variant })) };
  }

  /** Checks an Open Inference Protocol request, scores it and answers with one tensor per requested output (with the rows and the container's predictions). */
  async infer(body: unknown, variant?: string) {
    const request = this.schema.v2(body);
    const answer = await invokeEndpoint(this.client, this.endpoint, request.rows, { timeoutMs: this.timeoutMs, variant });
    const head = this.pkg.outputs[0]!.name;
    const outputs = request.outputs.map((name) => {
      const values = answer.predictions.map((p) => (isRecord(p) ? p[name] : name === head ? p : undefined));
      return tensorOf(name, values, this.endpoint);
    });
    return {
      rows: request.rows,
      predictions: answer.predictions,
      variant: answer.variant,
      response: { model_name: this.name, model_version: this.version, ...(request.id !== undefined && { id: request.id }), outputs },
    };
  }
}

/** One output's values across rows as a v2 tensor: numbers (FP32), rows of numbers (FP32, 2-D) or strings (BYTES). */
function tensorOf(name: string, values: unknown[], endpoint: string) {
  const rows = values.length;
  if (values.every((v) => typeof v === 'number')) return { name, datatype: 'FP32', shape: [rows], data: values as number[] };
  if (values.every((v) => typeof v === 'string')) return { name, datatype: 'BYTES', shape: [rows], data: values as string[] };
  const width = Array.isArray(values[0]) ? values[0].length : -1;
  if (width > 0 && values.every((v) => Array.isArray(v) && v.length === width && v.every((x) => typeof x === 'number'))) {
    return { name, datatype: 'FP32', shape: [rows, width], data: (values as number[][]).flat() };
  }
  throw new EndpointError(502, 'BadResponse', `endpoint ${endpoint} gave no usable values for output "${name}"`, [
    { path: `outputs.${name}`, message: 'expected per instance a number, a string, an array of numbers, or an object keyed by output name' },
  ]);
}
