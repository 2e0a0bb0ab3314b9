import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { describe, expect, inject, it } from 'vitest';
import { openRegistry } from '../../../../functions/core/registry/registry.ts';
import { SageMakerMirror } from '../../../../functions/core/registry/sagemaker-mirror.ts';
import { ROOT } from '../../../support/models.ts';

const V1 = resolve(ROOT, 'models/breast-cancer/1.0.0');
const V2 = resolve(ROOT, 'models/breast-cancer/1.1.0');

const sagemaker = () =>
  new SageMakerClient({ endpoint: inject('motoEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

async function approvals(client: SageMakerClient, group: string): Promise<Record<string, string>> {
  const { ModelPackageSummaryList = [] } = await client.send(new ListModelPackagesCommand({ ModelPackageGroupName: group }));
  const out: Record<string, string> = {};
  for (const s of ModelPackageSummaryList) {
    const d = await client.send(new DescribeModelPackageCommand({ ModelPackageName: s.ModelPackageArn }));
    out[d.CustomerMetadataProperties!['registry:version']!] = d.ModelApprovalStatus!;
  }
  return out;
}

describe('SageMaker Model Package Group mirror (moto)', () => {
  it('creates the group and one package per version, approval following production', async () => {
    const client = sagemaker();
    const groupPrefix = `t${randomBytes(4).toString('hex')}-`;
    const group = `${groupPrefix}breast-cancer`;
    const reg = openRegistry(join(await mkdtemp(join(tmpdir(), 'registry-')), 'reg'), { mirror: new SageMakerMirror(client, { groupPrefix }) });
    const r1 = await reg.register(V1, { trainingJob: 'train-42' });
    await reg.register(V1); // a no-op here and in SageMaker
    await reg.register(V2);
    expect(await approvals(client, group)).toEqual({ '1.0.0': 'PendingManualApproval', '1.1.0': 'PendingManualApproval' });

    const { ModelPackageSummaryList = [] } = await client.send(new ListModelPackagesCommand({ ModelPackageGroupName: group }));
    const first = await client.send(new DescribeModelPackageCommand({ ModelPackageName: ModelPackageSummaryList[0]!.ModelPackageArn }));
    expect(first.CustomerMetadataProperties).toMatchObject({ 'registry:version': '1.0.0', 'registry:sha256': r1.sha256, 'registry:training-job': 'train-42' });
    expect(first.CustomerMetadataProperties!['registry:uri']).toMatch(/breast-cancer\/versions\/1\.0\.0$/);

    await reg.promote('breast-cancer', '1.0.0');
    await reg.promote('breast-cancer', '1.1.0');
    expect(await approvals(client, group)).toEqual({ '1.0.0': 'Approved', '1.1.0': 'Approved' });
    await reg.rollback('breast-cancer');
    expect(await approvals(client, group)).toEqual({ '1.0.0': 'Approved', '1.1.0': 'Rejected' });
  });

  it('finds the packages of an existing group from a fresh mirror', async () => {
    const client = sagemaker();
    const groupPrefix = `t${randomBytes(4).toString('hex')}-`;
    const dir = join(await mkdtemp(join(tmpdir(), 'registry-')), 'reg');
    await openRegistry(dir, { mirror: new SageMakerMirror(client, { groupPrefix }) }).register(V1);
    await openRegistry(dir, { mirror: new SageMakerMirror(client, { groupPrefix }) }).promote('breast-cancer', '1.0.0');
    expect(await approvals(client, `${groupPrefix}breast-cancer`)).toEqual({ '1.0.0': 'Approved' });
  });
});
