import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { parsePackage } from '../functions/core/package-file.ts';
import { checkInteger, checkModels, LIMITS, type ModelConfig, type ParsedSource, parseSource } from './config.ts';
import { HandlerFunction, type HandlerFunctionProps, PROJECT_ROOT } from './handler-function.ts';
import { checkModelJson, copyModelJsons, type ModelJsonFile, modelJsonPath } from './model-json.ts';

export interface ModelFunctionProps extends Omit<HandlerFunctionProps, 'nodeModules' | 'afterBundling'> {
  /** Models the handler loads; bundled folders are copied into the asset, S3 prefixes are readable by the function. */
  readonly models: readonly ModelConfig[];
  /** Further versions of those models (A/B variants, shadows), loaded after them. @default none */
  readonly extraVersions?: readonly ModelConfig[];
  /** onnxruntime intra-op threads. @default 1 */
  readonly intraOpNumThreads?: number;
  /** Largest number of rows scored in one `session.run`. @default 1000 */
  readonly maxBatch?: number;
  /**
   * Models scored elsewhere (SageMaker endpoints) whose model.json alone the handler reads: bundled
   * and listed by name in `MODEL_JSONS`. @default none
   */
  readonly modelJsons?: readonly ModelJsonFile[];
}

/**
 * A function that scores with onnxruntime-node: it ships only the target platform's onnxruntime
 * binary and the bundled model packages, and tells the handler where each model is (`MODELS`).
 */
export class ModelFunction extends HandlerFunction {
  constructor(scope: Construct, id: string, props: ModelFunctionProps) {
    checkModels('models', props.models);
    checkInteger('intraOpNumThreads', props.intraOpNumThreads, LIMITS.intraOpNumThreads);
    checkInteger('maxBatch', props.maxBatch, LIMITS.maxBatch);
    // Primaries first: the handler takes the first version of a name as its primary.
    const sources = [...props.models, ...(props.extraVersions ?? [])].map((model, i) => ({ model, source: parseSource(`models[${i}].source`, model.source) }));
    sources.forEach(({ model, source }, i) => checkBundledPackage(`models[${i}]`, model, source));
    const modelJsons = props.modelJsons ?? [];
    modelJsons.forEach(checkModelJson);
    const platform = (props.architecture ?? Architecture.ARM_64) === Architecture.ARM_64 ? 'linux/arm64' : 'linux/x64';

    super(scope, id, {
      ...props,
      environment: {
        // Where the handler finds each model: inside the asset when bundled, the URI itself for S3.
        MODELS: JSON.stringify(
          sources.map(({ model, source }) => (source.kind === 'bundled' ? `/var/task/models/${model.name}/${source.version}` : model.source)),
        ),
        MODEL_CACHE_DIR: '/tmp/models',
        INTRA_OP_NUM_THREADS: String(props.intraOpNumThreads ?? 1),
        MAX_BATCH: String(props.maxBatch ?? 1000),
        ...(modelJsons.length > 0 && { MODEL_JSONS: JSON.stringify(Object.fromEntries(modelJsons.map((m) => [m.name, modelJsonPath(m.name)]))) }),
        ...props.environment,
      },
      // esbuild cannot bundle .node binaries: the package is installed next to the bundle instead.
      nodeModules: ['onnxruntime-node'],
      afterBundling: (inputDir, outputDir) => [
        ...pruneOnnxruntime(outputDir, platform),
        ...sources.flatMap(({ model, source }) => {
          if (source.kind !== 'bundled') return [];
          const target = `${outputDir}/models/${model.name}/${source.version}`;
          return [`mkdir -p "${target}"`, `cp -R "${inputDir}/${source.folder}/." "${target}/"`];
        }),
        ...copyModelJsons(modelJsons, inputDir, outputDir),
      ],
    });

    for (const { model, source } of sources) {
      if (source.kind !== 's3') continue;
      const objects = `${source.bucket}/${source.prefix}/*`;
      this.role.addToPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:${Aws.PARTITION}:s3:::${objects}`] }));
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${objects}]`,
        reason: `The function reads model ${model.name}'s package files (model.json, model.onnx) under exactly this prefix.`,
      });
    }
  }
}

/**
 * Fails the synth, not the first cold start, when a bundled package is unreadable, breaks the
 * model.json schema, or is not the model the config names (the handlers serve model.json's name).
 */
function checkBundledPackage(path: string, model: ModelConfig, source: ParsedSource): void {
  if (source.kind !== 'bundled') return;
  const file = join(PROJECT_ROOT, source.folder, 'model.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${path}.source: no model package at ${source.folder} (cannot read ${source.folder}/model.json)`);
  }
  const pkg = parsePackage(text, source.folder);
  if (pkg.name !== model.name || pkg.version !== source.version) {
    throw new Error(`${path}: config names ${model.name} ${source.version} but ${source.folder}/model.json holds ${pkg.name} ${pkg.version}`);
  }
}

/**
 * Shell commands that keep only what runs: the target platform's binary (~260 MB of 290 are other
 * platforms') and onnxruntime's JS, without the dependencies of its skipped install script.
 */
export function pruneOnnxruntime(outputDir: string, platform: string): string[] {
  const bin = `${outputDir}/node_modules/onnxruntime-node/bin`;
  return [
    `find "${bin}" -mindepth 3 -maxdepth 3 -type d ! -path "*/${platform}" -exec rm -rf {} +`,
    `find "${bin}" -mindepth 1 -type d -empty -delete`,
    `find "${outputDir}/node_modules" -mindepth 1 -maxdepth 1 ! -name onnxruntime-node ! -name onnxruntime-common -exec rm -rf {} +`,
    `rm -rf "${outputDir}/node_modules/onnxruntime-node/script" "${outputDir}/package-lock.json"`,
    // Fails the build, not the first cold start, if the package layout ever changes.
    `ls "${bin}"/napi-v*/${platform}/onnxruntime_binding.node > /dev/null`,
  ];
}
