import type { ModelPackage } from '../model-package.ts';

/** A request to the version under test, as the API would forward it. */
export interface VersionRequest {
  readonly method: 'POST';
  readonly path: string;
  readonly body: string;
  /** The model version that must answer (the `X-Model-Version` request header), whatever an A/B split would pick. */
  readonly modelVersion: string;
}

/** What the version answered. */
export interface VersionResponse {
  readonly statusCode: number;
  readonly body: string;
}

/**
 * Sends one request to the version under test and returns its HTTP answer; throws when the
 * invocation itself fails (the version crashed, timed out, or could not start).
 */
export type InvokeVersion = (request: VersionRequest) => Promise<VersionResponse>;

/** One example the version got wrong, or could not answer. */
export interface ExampleFailure {
  readonly model: string;
  readonly version: string;
  /** Index in model.json's `examples`. */
  readonly example: number;
  readonly reason: string;
}

export interface ExampleCheck {
  /** Examples sent, over every package. */
  readonly checked: number;
  readonly failures: readonly ExampleFailure[];
}

/**
 * Relative tolerance of numeric predictions. The expected values were computed by onnxruntime on
 * the build machine (x64) in float32; the version under test may run on arm64, whose kernels sum
 * in another order or fuse multiply-adds: results differ by a few float32 ulps (2^-23 ≈ 1.2e-7
 * each). 1e-6 admits those and nothing a changed model or a broken feature order would produce.
 */
export const RELATIVE_TOLERANCE = 1e-6;

/**
 * Sends every example of every package to the version under test, one request each
 * (`POST /models/{name}/predict` with `{"instances": [example.instance]}`), in turn so that a
 * single execution environment of the new version answers them, and compares each answer with
 * the example's prediction: the served model and version must be the package's, labels and every
 * other non-number exactly equal, numbers within `RELATIVE_TOLERANCE`.
 */
export async function checkExamples(packages: readonly ModelPackage[], invoke: InvokeVersion, tolerance = RELATIVE_TOLERANCE): Promise<ExampleCheck> {
  const failures: ExampleFailure[] = [];
  let checked = 0;
  for (const pkg of packages) {
    for (const [index, example] of pkg.examples.entries()) {
      checked++;
      const reason = await checkOne(pkg, example, invoke, tolerance);
      if (reason !== undefined) failures.push({ model: pkg.name, version: pkg.version, example: index, reason });
    }
  }
  return { checked, failures };
}

async function checkOne(pkg: ModelPackage, example: ModelPackage['examples'][number], invoke: InvokeVersion, tolerance: number): Promise<string | undefined> {
  let response: VersionResponse;
  try {
    response = await invoke({ method: 'POST', path: `/models/${pkg.name}/predict`, body: JSON.stringify({ instances: [example.instance] }), modelVersion: pkg.version });
  } catch (err) {
    return `invocation failed: ${(err as Error).message}`;
  }
  if (response.statusCode !== 200) return `answered ${response.statusCode}: ${response.body.slice(0, 500)}`;
  let answer: { model?: { name?: unknown; version?: unknown }; predictions?: unknown };
  try {
    answer = JSON.parse(response.body);
  } catch {
    return `answered a body that is not JSON: ${response.body.slice(0, 200)}`;
  }
  if (answer.model?.name !== pkg.name || answer.model?.version !== pkg.version) {
    return `served ${JSON.stringify(answer.model)} instead of ${pkg.name} ${pkg.version}`;
  }
  if (!Array.isArray(answer.predictions) || answer.predictions.length !== 1) {
    return `expected 1 prediction, got ${JSON.stringify(answer.predictions)?.slice(0, 200)}`;
  }
  return difference(example.prediction, answer.predictions[0], 'prediction', tolerance);
}

/** The first difference between an expected and an actual JSON value, named by its path; undefined when they match. */
export function difference(expected: unknown, actual: unknown, path: string, tolerance = RELATIVE_TOLERANCE): string | undefined {
  const got = () => `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  if (typeof expected === 'number') {
    return typeof actual === 'number' && close(expected, actual, tolerance) ? undefined : got();
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return got();
    for (const [i, item] of expected.entries()) {
      const diff = difference(item, actual[i], `${path}[${i}]`, tolerance);
      if (diff) return diff;
    }
    return undefined;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return got();
    const keys = Object.keys(expected);
    const extra = Object.keys(actual).filter((k) => !(k in expected));
    if (extra.length > 0) return `${path}: unexpected ${extra.map((k) => `"${k}"`).join(', ')} in ${JSON.stringify(actual)}`;
    for (const key of keys) {
      const diff = difference((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], `${path}.${key}`, tolerance);
      if (diff) return diff;
    }
    return undefined;
  }
  return expected === actual ? undefined : got();
}

/**
 * Relative closeness; near zero (a probability of 1e-9, a residual) the tolerance applies as an
 * absolute one, where float32 rounding of a larger intermediate (1 - p) dominates the value's own.
 */
function close(expected: number, actual: number, tolerance: number): boolean {
  return Math.abs(expected - actual) <= tolerance * Math.max(Math.abs(expected), Math.abs(actual), 1);
}
