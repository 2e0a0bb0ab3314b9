import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, Duration, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias, Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { parsePackage } from '../functions/core/load.ts';
import { checkInteger, checkModels, checkRetention, LIMITS, type ModelConfig, type ParsedSource, parseSource } from './config.ts';

/** The repository root: model folders and the handler entry are relative to it, whatever the cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface PredictFunctionProps {
  /** Models to serve; bundled folders are copied into the asset, S3 prefixes are readable by the function. */
  readonly models: readonly ModelConfig[];
  /** Memory in MB. @default 1024 */
  readonly memorySize?: number;
  /** CPU architecture; only this platform's onnxruntime binary is shipped. @default Architecture.ARM_64 */
  readonly architecture?: Architecture;
  /** Reserved concurrency. @default - unreserved */
  readonly reservedConcurrency?: number;
  /** Invocation timeout, at most 29 s (API Gateway's limit). @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** onnxruntime intra-op threads. @default 1 */
  readonly intraOpNumThreads?: number;
  /** Largest number of instances per request. @default 1000 */
  readonly maxBatch?: number;
  /** Largest request body in bytes. @default 1048576 */
  readonly maxBodyBytes?: number;
  /** Function log retention. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: string;
  /** Powertools service name (a metrics dimension and a log field). @default 'predict' */
  readonly serviceName?: string;
  /** CloudWatch namespace of the function's metrics. @default 'ServerlessInference' */
  readonly metricsNamespace?: string;
}

/**
 * The Lambda function that serves predictions with onnxruntime-node, published behind the alias
 * `live` so that rollouts can shift traffic between versions.
 */
export class PredictFunction extends Construct {
  readonly function: NodejsFunction;
  /** The alias API Gateway invokes; rollouts move it. */
  readonly alias: Alias;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PredictFunctionProps) {
    super(scope, id);
    checkModels('models', props.models);
    checkInteger('memorySize', props.memorySize, LIMITS.memorySize);
    checkInteger('reservedConcurrency', props.reservedConcurrency, LIMITS.reservedConcurrency);
    checkInteger('timeout', props.timeout?.toSeconds(), LIMITS.timeoutSeconds);
    checkInteger('intraOpNumThreads', props.intraOpNumThreads, LIMITS.intraOpNumThreads);
    checkInteger('maxBatch', props.maxBatch, LIMITS.maxBatch);
    checkInteger('maxBodyBytes', props.maxBodyBytes, LIMITS.maxBodyBytes);
    checkRetention('logRetention', props.logRetention);

    const sources = props.models.map((model, i) => ({ model, source: parseSource(`models[${i}].source`, model.source) }));
    sources.forEach(({ model, source }, i) => checkBundledPackage(`models[${i}]`, model, source));
    const architecture = props.architecture ?? Architecture.ARM_64;
    const platform = architecture === Architecture.ARM_64 ? 'linux/arm64' : 'linux/x64';

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    // An own role instead of AWSLambdaBasicExecutionRole, which may write to any log group.
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, 'functions/predict/handler.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrency,
      role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        // Where the handler finds each model: inside the asset when bundled, the URI itself for S3.
        MODELS: JSON.stringify(
          sources.map(({ model, source }) => (source.kind === 'bundled' ? `/var/task/models/${model.name}/${source.version}` : model.source)),
        ),
        MODEL_CACHE_DIR: '/tmp/models',
        INTRA_OP_NUM_THREADS: String(props.intraOpNumThreads ?? 1),
        MAX_BATCH: String(props.maxBatch ?? 1000),
        MAX_BODY_BYTES: String(props.maxBodyBytes ?? 1024 * 1024),
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'predict',
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'ServerlessInference',
        LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        // The handler loads its models with top-level await, which only ESM allows.
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        // Bundled CJS dependencies call require(), which ESM does not define.
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The SDK is bundled too: the runtime's copy is not reliably importable from ESM next to a
        // node_modules folder, and bundling pins the version we test with.
        externalModules: [],
        // esbuild cannot bundle .node binaries: the package is installed next to the bundle instead.
        nodeModules: ['onnxruntime-node'],
        environment: {
          // onnxruntime-node's install script downloads CUDA libraries; the CPU binaries are in the package.
          npm_config_ignore_scripts: 'true',
          npm_config_prefer_offline: 'true',
          npm_config_audit: 'false',
          npm_config_fund: 'false',
        },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => [
            ...pruneOnnxruntime(outputDir, platform),
            ...sources.flatMap(({ model, source }) => {
              if (source.kind !== 'bundled') return [];
              const target = `${outputDir}/models/${model.name}/${source.version}`;
              return [`mkdir -p "${target}"`, `cp -R "${inputDir}/${source.folder}/." "${target}/"`];
            }),
          ],
        },
      },
    });

    for (const { model, source } of sources) {
      if (source.kind !== 's3') continue;
      const objects = `${source.bucket}/${source.prefix}/*`;
      role.addToPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:${Aws.PARTITION}:s3:::${objects}`] }));
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${objects}]`,
        reason: `The function reads model ${model.name}'s package files (model.json, model.onnx) under exactly this prefix.`,
      });
    }
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
    });

    this.alias = new Alias(this, 'Live', { aliasName: 'live', version: this.function.currentVersion });
  }
}

/**
 * Fails the synth, not the first cold start, when a bundled package is unreadable, breaks the
 * model.json schema, or is not the model the config names (the API serves model.json's name).
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
function pruneOnnxruntime(outputDir: string, platform: string): string[] {
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
