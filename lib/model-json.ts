import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePackage } from '../functions/core/package-file.ts';
import type { ModelPackage } from '../functions/core/model-package.ts';
import { PROJECT_ROOT } from './handler-function.ts';

/** A SageMaker-served model as the functions that read only its schema see it. */
export interface ModelJsonFile {
  /** The model's name, which its model.json must hold. */
  readonly name: string;
  /** Repo-relative path of its model.json (`serving.modelJson`). */
  readonly modelJson: string;
}

/** Where a function asset keeps a SageMaker-served model's model.json. */
export const modelJsonPath = (name: string) => `/var/task/sagemaker-models/${name}/model.json`;

/** Fails the synth when a model.json is unreadable, breaks the schema or names another model; returns it parsed. */
export function checkModelJson({ name, modelJson }: ModelJsonFile): ModelPackage {
  let text: string;
  try {
    text = readFileSync(join(PROJECT_ROOT, modelJson), 'utf8');
  } catch {
    throw new Error(`models ${name}: serving.modelJson ${modelJson} cannot be read`);
  }
  const pkg = parsePackage(text, modelJson);
  if (pkg.name !== name) throw new Error(`models ${name}: serving.modelJson ${modelJson} holds model ${pkg.name}`);
  return pkg;
}

/** Shell commands that copy each model.json into a bundle at `modelJsonPath`. */
export const copyModelJsons = (files: readonly ModelJsonFile[], inputDir: string, outputDir: string): string[] =>
  files.flatMap((f) => [`mkdir -p "${outputDir}/sagemaker-models/${f.name}"`, `cp "${inputDir}/${f.modelJson}" "${outputDir}/sagemaker-models/${f.name}/model.json"`]);
