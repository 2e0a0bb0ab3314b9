import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeModelPackageCommand, ListModelPackagesCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { createBucket, motoS3, S3_ENV } from '../support/s3.ts';

const V1 = 'models/breast-cancer/1.0.0';
const V2 = 'models/breast-cancer/1.1.0';

const models = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli('bin/models.ts', args, env);
const sha = async (dir: string) => JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')).sha256 as string;

/** register 1.0.0 and 1.1.0, promote both in turn, roll back: the whole life of a model through the CLI. */
async function lifecycle(registry: string[], env: NodeJS.ProcessEnv = {}) {
  const r1 = await models(['register', V1, ...registry, '--training-job', 'train-1', '--data', 's3://data/train.csv', 's3://data/holdout.csv'], env);
  expect(r1.stderr).toBe('');
  expect(r1.code).toBe(0);
  expect(r1.stdout).toContain(`registered breast-cancer 1.0.0 (sha256 ${await sha(V1)})`);

  expect((await models(['promote', 'breast-cancer', '1.0.0', ...registry], env)).stdout.trim()).toBe('breast-cancer: production (none) -> 1.0.0');
  const r2 = await models(['register', V2, ...registry], env);
  expect(r2.stdout).toContain(`registered breast-cancer 1.1.0 (sha256 ${await sha(V2)}, parent 1.0.0)`);

  const again = await models(['register', V1, ...registry], env);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/breast-cancer 1\.0\.0 is already registered with identical bytes .*nothing changed/);

  const list = await models(['list', ...registry], env);
  expect(list.stdout.trim()).toBe('breast-cancer: 1.0.0, 1.1.0 (production: 1.0.0)');

  const promote = await models(['promote', 'breast-cancer', '1.1.0', ...registry], env);
  expect(promote.code).toBe(0);
  expect(promote.stdout.trim()).toBe('breast-cancer: production 1.0.0 -> 1.1.0');

  const show = await models(['show', 'breast-cancer', ...registry], env);
  expect(show.stdout).toMatch(/^breast-cancer 1\.1\.0 \(production\)/);
  expect(show.stdout).toContain(`sha256: ${await sha(V2)}`);
  expect(show.stdout).toContain('parent: 1.0.0');
  const shown = JSON.parse((await models(['show', 'breast-cancer@1.0.0', ...registry, '--json'], env)).stdout);
  expect(shown).toMatchObject({ version: '1.0.0', production: false, lineage: { trainingJob: 'train-1', dataUris: ['s3://data/train.csv', 's3://data/holdout.csv'] } });

  const rollback = await models(['rollback', 'breast-cancer', ...registry], env);
  expect(rollback.code).toBe(0);
  expect(rollback.stdout.trim()).toBe('breast-cancer: production 1.1.0 -> 1.0.0 (rollback)');
  const json = JSON.parse((await models(['list', ...registry, '--json'], env)).stdout);
  expect(json).toEqual([{ name: 'breast-cancer', versions: ['1.0.0', '1.1.0'], production: '1.0.0' }]);
}

describe('npm run models', () => {
  it('registers, lists, shows, promotes and rolls back in a folder registry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'models-cli-'));
    await lifecycle(['--registry', join(dir, 'registry')]);
    const pointer = JSON.parse(await readFile(join(dir, 'registry/breast-cancer/production.json'), 'utf8'));
    expect(pointer).toMatchObject({ version: '1.0.0', sha256: await sha(V1), previous: [] });
  });

  it('does the same against moto S3, mirroring approvals into a SageMaker Model Package Group', async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, `models-cli-${randomBytes(6).toString('hex')}`);
    const prefix = `c${randomBytes(4).toString('hex')}-`;
    const endpoint = inject('motoEndpoint');
    await lifecycle(['--registry', `s3://${bucket}/registry`, '--endpoint-url', endpoint, '--sagemaker', '--sagemaker-group-prefix', prefix], S3_ENV);
    const pointer = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'registry/breast-cancer/production.json' }))).Body!.transformToString();
    expect(JSON.parse(pointer)).toMatchObject({ version: '1.0.0', previous: [] });
    const sm = new SageMakerClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const { ModelPackageSummaryList = [] } = await sm.send(new ListModelPackagesCommand({ ModelPackageGroupName: `${prefix}breast-cancer` }));
    const statuses: Record<string, string> = {};
    for (const s of ModelPackageSummaryList) {
      const d = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: s.ModelPackageArn }));
      statuses[d.CustomerMetadataProperties!['registry:version']!] = d.ModelApprovalStatus!;
    }
    expect(statuses).toEqual({ '1.0.0': 'Approved', '1.1.0': 'Rejected' });
  });

  it('exits 2 with a clear message for a tampered package, an overwritten version and unknown versions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'models-cli-'));
    const registry = ['--registry', join(dir, 'registry')];
    const tampered = join(dir, 'tampered');
    await cp(V1, tampered, { recursive: true });
    const onnx = await readFile(join(tampered, 'model.onnx'));
    onnx[10] = onnx[10]! ^ 0xff;
    await writeFile(join(tampered, 'model.onnx'), onnx);
    const bad = await models(['register', tampered, ...registry]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^models: .*model\.onnx SHA-256 is [0-9a-f]{64} but model\.json declares [0-9a-f]{64}; refusing to register/);

    expect((await models(['register', V1, ...registry])).code).toBe(0);
    const relabelled = join(dir, 'relabelled');
    await cp(V2, relabelled, { recursive: true });
    const pkg = JSON.parse(await readFile(join(relabelled, 'model.json'), 'utf8'));
    await writeFile(join(relabelled, 'model.json'), JSON.stringify({ ...pkg, version: '1.0.0' }));
    const overwrite = await models(['register', relabelled, ...registry]);
    expect(overwrite.code).toBe(2);
    expect(overwrite.stderr).toMatch(/breast-cancer 1\.0\.0 is already registered with a different model\.onnx/);

    const unknown = await models(['promote', 'breast-cancer', '2.0.0', ...registry]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe('models: breast-cancer 2.0.0 is not registered (registered versions: 1.0.0)');
    const noPrevious = await models(['rollback', 'breast-cancer', ...registry]);
    expect(noPrevious.code).toBe(2);
    expect(noPrevious.stderr).toMatch(/no production version to roll back/);
    const noRegistry = await models(['list']);
    expect(noRegistry.code).toBe(2);
    expect(noRegistry.stderr).toMatch(/no registry: pass --registry/);
    const usage = await models(['promote', 'breast-cancer', ...registry]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing required argument 'version'/);
  });
});
