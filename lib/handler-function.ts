import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root: model folders and handler entries are relative to it, whatever the cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface HandlerFunctionProps {
  /** Repo-relative path of the module that exports `handler`. */
  readonly entry: string;
  /** Memory in MB. */
  readonly memorySize: number;
  /** Invocation timeout. */
  readonly timeout: Duration;
  /** CPU architecture. @default Architecture.ARM_64 */
  readonly architecture?: Architecture;
  /** Reserved concurrency. @default - unreserved */
  readonly reservedConcurrency?: number;
  /** Function log retention. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: string;
  /**
   * Lambda's JSON log format, whose `platform.report` records carry `initDurationMs` for a metric
   * filter; the application log level then follows `logLevel`. @default false (text)
   */
  readonly jsonLogs?: boolean;
  /** Powertools service name (a metrics dimension and a log field). */
  readonly serviceName: string;
  /** CloudWatch namespace of the function's metrics. @default 'ServerlessInference' */
  readonly metricsNamespace?: string;
  /** Environment beyond the Powertools settings. @default - none */
  readonly environment?: Record<string, string>;
  /** V8's old-generation limit in MB (`--max-old-space-size`). @default - V8's own, from the memory the function sees */
  readonly heapLimitMb?: number;
  /** Packages installed next to the bundle instead of bundled (native code). @default - none */
  readonly nodeModules?: string[];
  /** Shell commands run on the bundle's output folder, e.g. to prune or add files. @default - none */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/**
 * A Node 24 ESM Lambda function built from a handler in this repository, with its own log group,
 * its own role (log writes and X-Ray only, until the caller grants more) and active tracing.
 */
export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    // An own role instead of AWSLambdaBasicExecutionRole, which may write to any log group.
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(this.role);

    const bundling: BundlingOptions = {
      // Handlers load at init with top-level await, which only ESM allows.
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
      nodeModules: props.nodeModules,
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
        afterBundling: props.afterBundling ?? (() => []),
      },
    };

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: props.architecture ?? Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.jsonLogs && {
        loggingFormat: LoggingFormat.JSON,
        // Lambda would otherwise filter the application's logs at INFO whatever LOG_LEVEL says.
        applicationLogLevelV2: (props.logLevel ?? 'INFO') as ApplicationLogLevel,
        systemLogLevelV2: SystemLogLevel.INFO,
      }),
      tracing: Tracing.ACTIVE,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'ServerlessInference',
        LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: ['--enable-source-maps', ...(props.heapLimitMb ? [`--max-old-space-size=${props.heapLimitMb}`] : [])].join(' '),
      },
      bundling,
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
    });
  }
}
