import { createHash } from 'node:crypto';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackagesCommand,
  type SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import type { ApprovalStatus, MirroredVersion, RegistryMirror } from './registry.ts';

export interface SageMakerMirrorOptions {
  /** Prefix of the Model Package Group names (`<prefix><model>`). @default '' */
  readonly groupPrefix?: string;
}

interface AwsError {
  name?: string;
  message?: string;
}

/** Customer metadata keys that tie a SageMaker model package to a registry version. */
const VERSION = 'registry:version';
const SHA256 = 'registry:sha256';

/**
 * Mirrors the registry into SageMaker Model Package Groups: one group per model, one versioned
 * model package per registry version (its semantic version and checksum in CustomerMetadataProperties,
 * its registry folder as the model data location), approval status following production.
 */
export class SageMakerMirror implements RegistryMirror {
  readonly #client: SageMakerClient;
  readonly #prefix: string;
  /** `<group>/<version>` → model package ARN, filled by lookups and creations. */
  readonly #arns = new Map<string, string>();

  constructor(client: SageMakerClient, options: SageMakerMirrorOptions = {}) {
    this.#client = client;
    this.#prefix = options.groupPrefix ?? '';
  }

  group(model: string): string {
    return `${this.#prefix}${model}`;
  }

  async #ensureGroup(model: string): Promise<void> {
    const name = this.group(model);
    try {
      await this.#client.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: name }));
      return;
    } catch (err) {
      const e = err as AwsError;
      if (e.name !== 'ValidationException' && e.name !== 'ResourceNotFound') throw err;
    }
    try {
      await this.#client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: name, ModelPackageGroupDescription: `Model registry versions of ${model}` }));
    } catch (err) {
      // Another writer created it between describe and create.
      if (!/already exists/i.test((err as AwsError).message ?? '')) throw err;
    }
  }

  /** The ARN of the model package mirroring `version`, or undefined when there is none yet. */
  async find(model: string, version: string): Promise<string | undefined> {
    const group = this.group(model);
    const cached = this.#arns.get(`${group}/${version}`);
    if (cached) return cached;
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(new ListModelPackagesCommand({ ModelPackageGroupName: group, NextToken: token, MaxResults: 100 }));
      } catch (err) {
        if ((err as AwsError).name === 'ValidationException') return undefined;
        throw err;
      }
      for (const summary of page.ModelPackageSummaryList ?? []) {
        const arn = summary.ModelPackageArn!;
        const described = await this.#client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
        const v = described.CustomerMetadataProperties?.[VERSION];
        if (v) this.#arns.set(`${group}/${v}`, arn);
        if (v === version) return arn;
      }
      token = page.NextToken;
    } while (token);
    return undefined;
  }

  async registered(v: MirroredVersion): Promise<void> {
    await this.#ensureGroup(v.model);
    if (await this.find(v.model, v.version)) return;
    const metrics = Object.fromEntries(Object.entries(v.lineage.metrics).slice(0, 40).map(([k, n]) => [`metric:${k}`, String(n)]));
    const res = await this.#client.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: this.group(v.model),
        ModelPackageDescription: `${v.model} ${v.version}: ${v.description}`.slice(0, 1000),
        ModelApprovalStatus: 'PendingManualApproval',
        CustomerMetadataProperties: {
          [VERSION]: v.version,
          [SHA256]: v.sha256,
          'registry:uri': v.uri.slice(0, 256),
          ...(v.lineage.parentVersion ? { 'registry:parent': v.lineage.parentVersion } : {}),
          ...(v.lineage.trainingJob ? { 'registry:training-job': v.lineage.trainingJob.slice(0, 256) } : {}),
          ...metrics,
        },
        // Same version registered twice concurrently: SageMaker answers the first package again.
        ClientToken: createHash('sha256').update(`${this.group(v.model)}/${v.version}/${v.sha256}`).digest('hex').slice(0, 36),
      }),
    );
    this.#arns.set(`${this.group(v.model)}/${v.version}`, res.ModelPackageArn!);
  }

  async setApproval(model: string, version: string, status: ApprovalStatus, reason: string): Promise<void> {
    const arn = await this.find(model, version);
    if (!arn) throw new Error(`no SageMaker model package mirrors ${model} ${version} in group ${this.group(model)}: register it again to create one`);
    // The metadata is sent back unchanged: a no-op on SageMaker, and moto 5.2 clears it when absent.
    const { CustomerMetadataProperties } = await this.#client.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    await this.#client.send(
      new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: status, ApprovalDescription: reason.slice(0, 1000), CustomerMetadataProperties }),
    );
  }
}
