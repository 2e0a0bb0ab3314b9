import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ModelPackageError } from './errors.ts';
import { ModelPackage } from './model-package.ts';

/**
 * Reading a model package's files without onnxruntime: what the registry, the rollout hook, the
 * SageMaker front and the CDK app need, so that their bundles do not carry the native runtime.
 */

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Parses and validates model.json text, naming every schema problem. */
export function parsePackage(text: string, source: string): ModelPackage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelPackageError(`model.json is not valid JSON: ${(err as Error).message}`, source);
  }
  const parsed = ModelPackage.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ModelPackageError(`model.json is invalid: ${problems.join('; ')}`, source);
  }
  return parsed.data;
}

/** Reads a model.json file that must describe model `name` (a SageMaker-served model's, bundled beside a function). */
export async function readModelJson(path: string, name: string): Promise<ModelPackage> {
  const pkg = parsePackage(await readFile(path, 'utf8'), path);
  if (pkg.name !== name) throw new Error(`${path} holds model ${pkg.name}, not ${name}`);
  return pkg;
}
