import { Duration } from 'aws-cdk-lib';
import { type Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Architecture } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { DistributedMap, Fail, ItemBatcher, JitterType, JsonPath, Pass, Result, S3JsonItemReader, type StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { OUTPUT_LAYOUT, SCORING_BATCH_ROWS } from '../functions/core/batch/contracts.ts';
import { FAILED_AT_ONCE } from '../functions/core/batch/job-errors.ts';
import { endRun, grantData, runStateMachine, scheduleRuns } from './batch-run.ts';
import { type BatchScheduleConfig, checkInteger, checkRetention, LIMITS, type ModelConfig } from './config.ts';
import { HandlerFunction } from './handler-function.ts';
import { ModelFunction } from './model-function.ts';
import { acknowledgeWildcardResources, wildcardResources } from './nag.ts';

/** How a failed chunk is retried. */
export interface ChunkRetry {
  /** Retries after the first attempt. @default 2 */
  readonly maxAttempts?: number;
  /** Multiplier of the interval after each retry. @default 2 */
  readonly backoffRate?: number;
  /** Wait before the first retry. @default Duration.seconds(10) */
  readonly interval?: Duration;
}

/** The worker's memory in MB unless the props set it. */
export const DEFAULT_WORKER_MEMORY_MB = 2048;

/**
 * The worker's V8 heap limit: a quarter of its memory, which is how V8 sizes it from the memory it
 * sees. Set explicitly, so that the worker collects garbage as the bench measured it on any host: on
 * a machine of 24 GB, V8's own 4 GB let the same worker peak at 410-590 MB instead of 340-430 MB.
 */
export const workerHeapLimitMb = (memorySize: number): number => Math.floor(memorySize / 4);

export interface BatchScoringProps {
  /** Bucket holding inputs and outputs; every role is scoped to its two prefixes. */
  readonly bucket: IBucket;
  /** Prefix jobs read under. @default 'input/' */
  readonly inputPrefix?: string;
  /** Prefix jobs write under. @default 'output/' */
  readonly outputPrefix?: string;
  /** Models the worker serves (by name, as jobs refer to them). */
  readonly models: readonly ModelConfig[];
  /** Worker memory in MB; a quarter of it is the worker's V8 heap limit. @default 2048 */
  readonly workerMemorySize?: number;
  /** Worker architecture. @default Architecture.ARM_64 */
  readonly workerArchitecture?: Architecture;
  /** Worker invocation timeout, at most 15 minutes. @default Duration.minutes(15) */
  readonly workerTimeout?: Duration;
  /** Workers at once (Distributed Map MaxConcurrency). @default 40 */
  readonly maxConcurrency?: number;
  /** Chunks per worker invocation (ItemBatcher MaxItemsPerBatch). @default 1 */
  readonly chunksPerInvocation?: number;
  /** onnxruntime intra-op threads of the worker. @default 1 */
  readonly intraOpNumThreads?: number;
  /** Rows per `session.run` in the worker. @default 4096 */
  readonly maxBatch?: number;
  /** Retries of a failed chunk. @default - every field's default */
  readonly retry?: ChunkRetry;
  /** Chunk size of a job that does not set one, in bytes. @default 67108864 (64 MiB) */
  readonly chunkBytes?: number;
  /** Percent of chunks that may fail in a job that does not set it. @default 0 */
  readonly toleratedFailurePercentage?: number;
  /** Retention of the functions' and the state machine's logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: string;
  /** CloudWatch namespace of the functions' metrics. @default 'ServerlessInference' */
  readonly metricsNamespace?: string;
  /** Jobs started on a schedule; their input and output are keys in `bucket`. @default - none */
  readonly schedules?: readonly BatchScheduleConfig[];
}

/**
 * Batch scoring over S3: plan (split the input into chunks) -> Distributed Map of score-chunk
 * workers -> finalize (the run's manifest), started by hand or by EventBridge Scheduler with
 * `{ "job": JobSpec }`. Every run, failed ones too, ends with `_manifest.json` under its output.
 */
export class BatchScoring extends Construct {
  readonly stateMachine: StateMachine;
  readonly plan: HandlerFunction;
  readonly worker: ModelFunction;
  readonly finalize: HandlerFunction;
  readonly schedules: Schedule[];

  constructor(scope: Construct, id: string, props: BatchScoringProps) {
    super(scope, id);
    checkInteger('workerMemorySize', props.workerMemorySize, LIMITS.memorySize);
    checkInteger('workerTimeout', props.workerTimeout?.toSeconds(), LIMITS.workerTimeoutSeconds);
    checkInteger('maxConcurrency', props.maxConcurrency, LIMITS.maxConcurrency);
    checkInteger('chunksPerInvocation', props.chunksPerInvocation, LIMITS.chunksPerInvocation);
    checkInteger('retry.maxAttempts', props.retry?.maxAttempts, LIMITS.retryAttempts);
    checkInteger('retry.interval', props.retry?.interval?.toSeconds(), LIMITS.retryIntervalSeconds);
    checkInteger('chunkBytes', props.chunkBytes, LIMITS.chunkBytes);
    checkRetention('logRetention', props.logRetention);

    const { bucket, inputPrefix = 'input/', outputPrefix = 'output/' } = props;
    const common = { logRetention: props.logRetention, logLevel: props.logLevel, metricsNamespace: props.metricsNamespace };
    this.plan = new HandlerFunction(this, 'Plan', {
      ...common,
      entry: 'functions/batch/plan.ts',
      serviceName: 'batch-plan',
      memorySize: 1024,
      // Listing a prefix of many objects and writing the chunk list takes seconds; 5 minutes is slack.
      timeout: Duration.minutes(5),
    });
    this.worker = new ModelFunction(this, 'Worker', {
      ...common,
      entry: 'functions/batch/score-chunk.ts',
      serviceName: 'batch-score-chunk',
      models: props.models,
      memorySize: props.workerMemorySize ?? DEFAULT_WORKER_MEMORY_MB,
      heapLimitMb: workerHeapLimitMb(props.workerMemorySize ?? DEFAULT_WORKER_MEMORY_MB),
      architecture: props.workerArchitecture,
      timeout: props.workerTimeout ?? Duration.minutes(15),
      intraOpNumThreads: props.intraOpNumThreads,
      maxBatch: props.maxBatch ?? SCORING_BATCH_ROWS,
    });
    this.finalize = new HandlerFunction(this, 'Finalize', {
      ...common,
      entry: 'functions/batch/finalize.ts',
      serviceName: 'batch-finalize',
      memorySize: 1024,
      timeout: Duration.minutes(5),
    });

    const inputs = bucket.arnForObjects(`${inputPrefix}*`);
    const outputs = bucket.arnForObjects(`${outputPrefix}*`);
    // A run's own objects, whether its output is a folder under the output prefix (as a schedule's
    // runs are) or the output prefix itself.
    const ofRuns = (name: string) => [bucket.arnForObjects(`${outputPrefix}${name}`), bucket.arnForObjects(`${outputPrefix}*/${name}`)];
    const chunkLists = ofRuns(OUTPUT_LAYOUT.chunkList);
    grantData(this.plan.role, bucket, { read: [inputs, ...ofRuns('_plan/*')], write: ofRuns('_plan/*') }, "reads the input objects and an earlier run's plan, and writes the run's plan (the chunk list among it)");
    grantData(
      this.worker.role,
      bucket,
      { read: [inputs, ...ofRuns('_chunks/*'), ...ofRuns(OUTPUT_LAYOUT.model)], write: [outputs], multipart: true },
      "reads its input chunk, checks its chunk commit record and the output's model claim, and writes its parts",
    );
    grantData(
      this.finalize.role,
      bucket,
      { read: [outputs], write: [...ofRuns(OUTPUT_LAYOUT.manifest), ...ofRuns('rejects/*')], multipart: true },
      "reads the chunks' commit records, numbers the lines of rejects parts and writes the manifest",
    );

    this.stateMachine = runStateMachine(this, { definition: this.definition(props), logRetention: props.logRetention });
    // The ItemReader reads the chunk list named in the state, so CDK cannot derive this grant.
    this.stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: chunkLists }));
    bucket.encryptionKey?.grantDecrypt(this.stateMachine);
    acknowledgeWildcardResources(this.stateMachine.role, chunkLists, "The Distributed Map's ItemReader reads the chunk list of whichever job runs, under the output prefix.");
    const mapPolicy = this.stateMachine.node.findChild('DistributedMapPolicy') as Policy;
    acknowledgeWildcardResources(mapPolicy, wildcardResources(mapPolicy), "The Distributed Map describes, stops and redrives its own child executions (CDK's grant on this state machine's executions).");
    acknowledgeWildcardResources(
      this.stateMachine.role,
      [this.plan, this.worker, this.finalize].map((f) => `${f.function.functionArn}:*`),
      'Task states may invoke any version of these three functions (CDK grants function:*), and nothing else.',
    );

    this.schedules = (props.schedules ?? []).map((schedule) => this.schedule(schedule, props));
  }

  private definition(props: BatchScoringProps) {
    const retry = props.retry ?? {};
    // Jobs may leave these out; the run fills them in once, so that plan, the map and finalize
    // (which judges the tolerance) all see the same values.
    const defaults = new Pass(this, 'Defaults', {
      result: Result.fromObject({
        chunkBytes: props.chunkBytes ?? 64 * 1024 * 1024,
        toleratedFailurePercentage: props.toleratedFailurePercentage ?? 0,
      }),
      resultPath: '$.defaults',
    });
    const applyDefaults = new Pass(this, 'ApplyDefaults', {
      parameters: { job: JsonPath.jsonMerge(JsonPath.objectAt('$.defaults'), JsonPath.objectAt('$.job')) },
    });

    const plan = new LambdaInvoke(this, 'PlanChunks', {
      lambdaFunction: this.plan.function,
      payloadResponseOnly: true,
      resultPath: '$.plan',
    });

    const scoreChunk = new LambdaInvoke(this, 'ScoreChunk', {
      lambdaFunction: this.worker.function,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      // Results are committed to S3 by the worker and read from there by finalize: a child returns
      // nothing, so the output the map collects (at most 256 KiB) stays at a few bytes a chunk.
      outputPath: JsonPath.DISCARD,
    });
    // Throttling is expected at high concurrency: retried longer, and before the generic retrier.
    scoreChunk.addRetry({
      errors: ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'],
      interval: Duration.seconds(2),
      maxAttempts: 6,
      backoffRate: 2,
      jitterStrategy: JitterType.FULL,
    });
    // An input no attempt can read, an output prefix that holds another run, another model's output: failed at once.
    scoreChunk.addRetry({ errors: [...FAILED_AT_ONCE], maxAttempts: 0 });
    scoreChunk.addRetry({
      errors: ['States.TaskFailed'],
      interval: retry.interval ?? Duration.seconds(10),
      maxAttempts: retry.maxAttempts ?? 2,
      backoffRate: retry.backoffRate ?? 2,
      jitterStrategy: JitterType.FULL,
    });

    const map = new DistributedMap(this, 'ScoreChunks', {
      itemReader: new S3JsonItemReader({
        bucketNamePath: JsonPath.stringAt('$.plan.chunkList.bucket'),
        key: JsonPath.stringAt('$.plan.chunkList.key'),
      }),
      itemBatcher: new ItemBatcher({
        maxItemsPerBatch: props.chunksPerInvocation ?? 1,
        // CDK passes BatchInput through as written: the `.$` suffix makes it a path, as in Parameters.
        batchInput: { 'job.$': '$.job' },
      }),
      maxConcurrency: props.maxConcurrency ?? 40,
      toleratedFailurePercentagePath: '$.job.toleratedFailurePercentage',
      // Standard children: a worker may run 15 minutes plus retries, past Express's 5-minute limit.
      mapExecutionType: StateMachineType.STANDARD,
      resultPath: JsonPath.DISCARD,
    });
    map.itemProcessor(scoreChunk);

    const finalize = new LambdaInvoke(this, 'FinalizeRun', {
      lambdaFunction: this.finalize.function,
      payloadResponseOnly: true,
      resultPath: '$.result',
    });
    // Plan and finalize are safe to run again (a rerun of the plan resumes, finalize rewrites the
    // same manifest): a passing S3 or Lambda failure costs a retry, not the run. A refused output,
    // or an input no attempt can read (a file that is not Parquet), fails at once.
    plan.addRetry({ errors: [...FAILED_AT_ONCE], maxAttempts: 0 });
    for (const step of [plan, finalize]) step.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(5), maxAttempts: 2, backoffRate: 2, jitterStrategy: JitterType.FULL });
    finalize.addCatch(new Fail(this, 'FinalizeFailed', { error: 'FinalizeFailed', causePath: JsonPath.stringAt('$.finalizeError.Cause') }), { errors: ['States.ALL'], resultPath: '$.finalizeError' });
    // A failed plan or map still ends in finalize, which writes a `failed` manifest saying why.
    plan.addCatch(finalize, { errors: ['States.ALL'], resultPath: '$.error' });
    map.addCatch(finalize, { errors: ['States.ALL'], resultPath: '$.error' });

    endRun(this, finalize);
    return defaults.next(applyDefaults).next(plan).next(map).next(finalize);
  }

  private schedule(schedule: BatchScheduleConfig, props: BatchScoringProps): Schedule {
    return scheduleRuns(this, `Schedule-${schedule.name}`, schedule, props.bucket, this.stateMachine, `Batch scoring of ${schedule.input} with ${schedule.model}`, {
      ...(schedule.idColumn !== undefined && { idColumn: schedule.idColumn }),
      ...(schedule.chunkBytes !== undefined && { chunkBytes: schedule.chunkBytes }),
      ...(schedule.toleratedFailurePercentage !== undefined && { toleratedFailurePercentage: schedule.toleratedFailurePercentage }),
    });
  }
}
