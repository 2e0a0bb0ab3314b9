import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadModel } from '../../functions/core/load.ts';
import type { Model } from '../../functions/core/model.ts';
import type { ModelPackage } from '../../functions/core/model-package.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The shipped default model and the test graphs of other shapes. */
export const MODELS = {
  breastCancer: resolve(ROOT, 'models/breast-cancer/1.0.0'),
  /** The shipped candidate version of the default model, with another sha256. */
  breastCancerCandidate: resolve(ROOT, 'models/breast-cancer/1.1.0'),
  wineMlp: resolve(ROOT, 'test/fixtures/models/wine-mlp/1.0.0'),
  diabetesTrees: resolve(ROOT, 'test/fixtures/models/diabetes-trees/1.0.0'),
  diabetesCategorical: resolve(ROOT, 'test/fixtures/models/diabetes-categorical/1.0.0'),
} as const;

export const readPackage = (dir: string): ModelPackage => JSON.parse(readFileSync(resolve(dir, 'model.json'), 'utf8'));

const cache = new Map<string, Promise<Model>>();
/** One loaded model per folder per test file, as one session per model per process. */
export const model = (dir: string): Promise<Model> => {
  if (!cache.has(dir)) cache.set(dir, loadModel(dir));
  return cache.get(dir)!;
};
