import { Duration, TimeZone } from 'aws-cdk-lib';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SHADOW_PREFIX } from '../functions/core/capture/capture-record.ts';
import type { ModelConfig, MonitoringJobConfig } from './config.ts';
import { HandlerFunction } from './handler-function.ts';
import { ModelFunction } from './model-function.ts';
import type { ModelJsonFile } from './model-json.ts';
import { SERVICES } from './model-metrics.ts';
import { acknowledgeWildcardResources } from './nag.ts';

/** Where the jobs read and write in the monitoring bucket (prefixes without trailing '/'). */
export interface MonitoringPrefixes {
  /** Captured requests, written by the predict and SageMaker invoke functions. */
  readonly captures: string;
  /** Drift reports, written by the drift job. */
  readonly reports: string;
  /** Ground-truth label files, uploaded by their owners. */
  readonly labels: string;
}

export interface MonitoringJobsProps {
  readonly bucket: IBucket;
  readonly prefixes: MonitoringPrefixes;
  /** Lambda-served models the jobs load (model.json baselines and task), scheduled one run per model. */
  readonly models: readonly ModelConfig[];
  /** SageMaker-served models, judged from their model.json alone and scheduled like the others. @default none */
  readonly endpointModels?: readonly ModelJsonFile[];
  /** The drift job's schedule and window. @default - daily at 00:15 UTC over 24 hours */
  readonly drift?: MonitoringJobConfig;
  /** The label-quality job's schedule and window. @default - daily at 00:45 UTC over 168 hours */
  readonly labelQuality?: MonitoringJobConfig;
  /** The primary and candidate pairs of the models' shadows, each reported on a schedule. @default none */
  readonly shadows?: readonly ShadowPair[];
  /** The shadow report job's schedule and window. @default - daily at 01:15 UTC over 24 hours */
  readonly shadowReport?: MonitoringJobConfig;
  readonly logRetention?: RetentionDays;
  readonly logLevel?: string;
  readonly metricsNamespace?: string;
}

const DRIFT_DEFAULTS = { schedule: 'cron(15 0 * * ? *)', windowHours: 24 };
const QUALITY_DEFAULTS = { schedule: 'cron(45 0 * * ? *)', windowHours: 168 };
const SHADOW_DEFAULTS = { schedule: 'cron(15 1 * * ? *)', windowHours: 24 };

/** A model's shadow: the version it mirrors requests to, beside the primary. */
export interface ShadowPair {
  readonly model: string;
  readonly version: string;
  readonly candidate: string;
}

/** One scheduled run of a job: its schedule's id suffix, its description and what it sends. */
interface Run {
  readonly id: string;
  readonly description: string;
  readonly input: Record<string, unknown>;
}

export const uriOf = (bucket: IBucket, prefix: string) => `s3://${bucket.bucketName}/${prefix}`;

/**
 * The scheduled monitoring jobs, one EventBridge Scheduler schedule per model and job, invoking
 * with `{ model, windowHours }`: the drift job (captures vs the model.json baseline, reports to
 * S3, drift metrics) and the label-quality job (captures joined to labels, live quality metrics).
 * Both load model packages, so they are model functions; a SageMaker-served model's package is its
 * model.json, bundled beside the Lambda-served models' packages.
 */
export class MonitoringJobs extends Construct {
  readonly drift?: ModelFunction;
  readonly labelQuality?: ModelFunction;
  /** Reads shadow records only: no model, so no onnxruntime. */
  readonly shadowReport?: HandlerFunction;
  readonly schedules: Schedule[] = [];

  constructor(scope: Construct, id: string, props: MonitoringJobsProps) {
    super(scope, id);
    const { bucket, prefixes } = props;
    const names = [...props.models, ...(props.endpointModels ?? [])].map((m) => m.name);
    /** One run per model, sent `{ model, windowHours }`. */
    const perModel = (what: string, job: { readonly windowHours: number }): Run[] =>
      names.map((model) => ({ id: model, description: `${what} of ${model} over the last ${job.windowHours} hours`, input: { model, windowHours: job.windowHours } }));
    const common = { models: props.models, modelJsons: props.endpointModels, logRetention: props.logRetention, logLevel: props.logLevel, metricsNamespace: props.metricsNamespace };

    if (props.drift?.enabled !== false) {
      this.drift = new ModelFunction(this, 'Drift', {
        ...common,
        entry: 'functions/monitoring/drift-job.ts',
        serviceName: SERVICES.drift,
        // Statistics over a day of captures: memory is also CPU.
        memorySize: 2048,
        timeout: Duration.minutes(15),
        environment: { CAPTURE_URI: uriOf(bucket, prefixes.captures), REPORTS_URI: uriOf(bucket, prefixes.reports) },
      });
      grant(this.drift.role, bucket, { list: [prefixes.captures, prefixes.reports], read: [prefixes.captures], write: [prefixes.reports] }, 'reads captured requests and writes drift reports');
      const drift = { ...DRIFT_DEFAULTS, ...props.drift };
      this.scheduleRuns('Drift', this.drift.function, drift, perModel('Drift', drift));
    }

    if (props.labelQuality?.enabled !== false) {
      this.labelQuality = new ModelFunction(this, 'LabelQuality', {
        ...common,
        entry: 'functions/monitoring/label-quality.ts',
        serviceName: SERVICES.labelQuality,
        memorySize: 1024,
        timeout: Duration.minutes(15),
        environment: { CAPTURE_URI: uriOf(bucket, prefixes.captures), LABELS_URI: uriOf(bucket, prefixes.labels) },
      });
      grant(this.labelQuality.role, bucket, { list: [prefixes.captures, prefixes.labels], read: [prefixes.captures, prefixes.labels], write: [] }, 'joins captured predictions to label files');
      const quality = { ...QUALITY_DEFAULTS, ...props.labelQuality };
      this.scheduleRuns('LabelQuality', this.labelQuality.function, quality, perModel('Live quality', quality));
    }

    const shadows = props.shadows ?? [];
    if (shadows.length > 0 && props.shadowReport?.enabled !== false) {
      this.shadowReport = new HandlerFunction(this, 'ShadowReport', {
        entry: 'functions/monitoring/shadow-report.ts',
        serviceName: SERVICES.shadowReport,
        memorySize: 1024,
        timeout: Duration.minutes(15),
        logRetention: props.logRetention,
        logLevel: props.logLevel,
        metricsNamespace: props.metricsNamespace,
        environment: { CAPTURE_URI: uriOf(bucket, prefixes.captures), REPORTS_URI: uriOf(bucket, prefixes.reports) },
      });
      const shadowRecords = `${prefixes.captures}/${SHADOW_PREFIX.replace(/\/$/, '')}`;
      grant(this.shadowReport.role, bucket, { list: [shadowRecords, prefixes.reports], read: [shadowRecords], write: [prefixes.reports] }, 'reads shadow records and writes shadow reports');
      const job = { ...SHADOW_DEFAULTS, ...props.shadowReport };
      this.scheduleRuns(
        'ShadowReport',
        this.shadowReport.function,
        job,
        shadows.map(({ model, version, candidate }) => ({
          id: `${model}-${candidate}`,
          description: `Shadow ${candidate} of ${model} ${version} over the last ${job.windowHours} hours`,
          input: { model, version, candidate, windowHours: job.windowHours },
        })),
      );
    }
  }

  private scheduleRuns(id: string, fn: IFunction, job: MonitoringJobConfig & typeof DRIFT_DEFAULTS, runs: readonly Run[]): void {
    // One role for the job's schedules, which may invoke this function only.
    const role = new Role(this, `${id}SchedulerRole`, { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
    acknowledgeWildcardResources(role, [`${fn.functionArn}:*`], `The schedules invoke the ${id} function (CDK's invoke grant covers its versions), and nothing else.`);
    for (const run of runs) {
      this.schedules.push(
        new Schedule(this, `${id}-${run.id}`, {
          description: run.description,
          schedule: ScheduleExpression.expression(job.schedule, job.timezone === undefined ? undefined : TimeZone.of(job.timezone)),
          target: new LambdaInvoke(fn, {
            role,
            input: ScheduleTargetInput.fromObject(run.input),
            // A missed run is superseded by the next one: retry briefly, never for a day.
            retryAttempts: 2,
            maxEventAge: Duration.hours(1),
          }),
        }),
      );
    }
  }
}

/** Prefix-scoped S3 access: listing under `list`, reading objects under `read`, writing under `write`. */
export function grant(role: IRole, bucket: IBucket, access: { list: string[]; read: string[]; write: string[] }, purpose: string): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': access.list.map((p) => `${p}/*`) } } }),
  );
  const reads = access.read.map((p) => bucket.arnForObjects(`${p}/*`));
  const writes = access.write.map((p) => bucket.arnForObjects(`${p}/*`));
  if (reads.length > 0) role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: reads }));
  if (writes.length > 0) role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: writes }));
  if (bucket.encryptionKey) {
    if (reads.length > 0) bucket.encryptionKey.grantDecrypt(role);
    if (writes.length > 0) bucket.encryptionKey.grant(role, 'kms:GenerateDataKey');
  }
  acknowledgeWildcardResources(role, [...reads, ...writes], `The function ${purpose}: objects under these monitoring prefixes only.`);
}
