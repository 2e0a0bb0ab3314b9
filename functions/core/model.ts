import { sha256 } from './package-file.ts';
import ort from 'onnxruntime-node';
import { InvalidInputError, ModelPackageError } from './errors.ts';
import { FeatureLayout, type InputBatch } from './feature-layout.ts';
import { packInstances } from './instances.ts';
import type { ModelPackage } from './model-package.ts';
import { NON_FINITE_ANSWER, nonFiniteAnswers, type Prediction, toPredictions } from './predictions.ts';

export interface ModelOptions {
  /** Threads inside one operator; 1 is as fast or faster on the 1-2 vCPUs a Lambda usually has. */
  readonly intraOpNumThreads?: number;
  /** Largest batch a single call accepts; buffers are sized for it once. */
  readonly maxBatch?: number;
  /** Where the package came from, for error messages. */
  readonly source?: string;
}

export const DEFAULT_MAX_BATCH = 1000;


/**
 * A loaded model version: its package and one ONNX Runtime session, created once and reused for
 * the life of the process (recreating sessions leaks native memory).
 */
export class Model {
  private constructor(
    readonly pkg: ModelPackage,
    readonly session: ort.InferenceSession,
    readonly layout: FeatureLayout,
    private readonly outputNames: readonly string[],
  ) {}

  /** Verifies `onnx` against `pkg.sha256`, then creates the session and checks the graph matches the package. */
  static async create(pkg: ModelPackage, onnx: Uint8Array, options: ModelOptions = {}): Promise<Model> {
    const source = options.source ?? `${pkg.name}@${pkg.version}`;
    const actual = sha256(onnx);
    if (actual !== pkg.sha256) {
      throw new ModelPackageError(`model.onnx SHA-256 is ${actual} but model.json declares ${pkg.sha256}; refusing to load`, source);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(onnx, {
        intraOpNumThreads: options.intraOpNumThreads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      throw new ModelPackageError(`ONNX Runtime cannot load model.onnx: ${(err as Error).message}`, source, { cause: err });
    }
    checkGraph(pkg, session, source);
    const layout = new FeatureLayout(pkg, options.maxBatch ?? DEFAULT_MAX_BATCH);
    return new Model(pkg, session, layout, pkg.outputs.map((o) => o.name));
  }

  get name(): string {
    return this.pkg.name;
  }

  get version(): string {
    return this.pkg.version;
  }

  /** Validates and scores instances (named objects or arrays in feature order). */
  predict(instances: unknown): Promise<Prediction[]> {
    return this.layout.withBatch(async (batch) => {
      const rows = packInstances(this.layout, batch, instances);
      const results = await this.run(batch, rows);
      const broken = nonFiniteAnswers(this.pkg, results, rows);
      if (broken.length) {
        throw new InvalidInputError('the model cannot score some instances', broken.map((r) => ({ path: `instances[${r}]`, message: NON_FINITE_ANSWER })));
      }
      return toPredictions(this.pkg, results, rows);
    });
  }

  /** Runs the first `rows` packed rows of `batch` and returns the output tensors requested by name. */
  run(batch: InputBatch, rows: number, outputs: readonly string[] = this.outputNames): Promise<ort.InferenceSession.ReturnType> {
    return this.session.run(batch.feeds(rows), outputs as string[]);
  }
}

function checkGraph(pkg: ModelPackage, session: ort.InferenceSession, source: string): void {
  const problems: string[] = [];
  const graphInputs = new Map(session.inputMetadata.map((m) => [m.name, m]));
  for (const input of pkg.inputs) {
    const meta = graphInputs.get(input.name);
    if (!meta) problems.push(`graph has no input "${input.name}" (it has ${session.inputNames.join(', ')})`);
    else if (meta.isTensor && meta.type !== input.type) problems.push(`graph input "${input.name}" is ${meta.type}, model.json says ${input.type}`);
  }
  for (const name of session.inputNames) {
    if (!pkg.inputs.some((i) => i.name === name)) problems.push(`graph input "${name}" is not declared in model.json`);
  }
  const graphOutputs = new Map(session.outputMetadata.map((m) => [m.name, m]));
  for (const output of pkg.outputs) {
    const meta = graphOutputs.get(output.name);
    if (!meta) {
      problems.push(`graph has no output "${output.name}" (it has ${session.outputNames.join(', ')})`);
      continue;
    }
    if (!meta.isTensor) problems.push(`output "${output.name}" is not a tensor (ZipMap outputs are not supported)`);
    const width = meta.isTensor ? meta.shape.at(-1) : undefined;
    if (output.kind === 'probabilities' && typeof width === 'number' && width !== output.labels?.length) {
      problems.push(`output "${output.name}" has ${width} columns but ${output.labels?.length} labels`);
    }
  }
  if (problems.length) throw new ModelPackageError(`model.json does not match model.onnx: ${problems.join('; ')}`, source);
}
