import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVersions } from '../../../../functions/core/registry/layout.ts';
import { describeChange, openRegistry, type Registry, type RegistryMirror } from '../../../../functions/core/registry/registry.ts';
import { ROOT } from '../../../support/models.ts';
import { createBucket, motoS3, uploadPackage } from '../../../support/s3.ts';

const V1 = resolve(ROOT, 'models/breast-cancer/1.0.0');
const V2 = resolve(ROOT, 'models/breast-cancer/1.1.0');

/** A fresh registry of each kind: a temp folder, and a prefix in a new moto bucket. */
const REGISTRIES: { name: string; make: (options?: Parameters<typeof openRegistry>[1]) => Promise<Registry> }[] = [
  { name: 'folder', make: async (options) => openRegistry(join(await mkdtemp(join(tmpdir(), 'registry-')), 'reg'), options) },
  {
    name: 'moto S3',
    make: async (options) => {
      const s3 = motoS3();
      const bucket = await createBucket(s3, `registry-${randomBytes(6).toString('hex')}`);
      return openRegistry(`s3://${bucket}/models`, { s3, ...options });
    },
  },
];

async function copyPackage(from: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pkg-'));
  await cp(from, dir, { recursive: true });
  return dir;
}

/** A clock that moves one minute per call, so promotedAt values differ. */
const clock = () => {
  let t = Date.parse('2026-11-23T10:00:00Z');
  return () => new Date((t += 60_000));
};

describe.each(REGISTRIES)('registry over a $name', ({ make }) => {
  it('registers a package with its computed checksum and lineage', async () => {
    const reg = await make({ now: clock() });
    const res = await reg.register(V1, { trainingJob: 'train-1', dataUris: ['s3://data/train.csv'] });
    const declared = JSON.parse(await readFile(join(V1, 'model.json'), 'utf8'));
    expect(res).toMatchObject({ model: 'breast-cancer', version: '1.0.0', sha256: declared.sha256, created: true });
    expect(res.uri).toMatch(/breast-cancer\/versions\/1\.0\.0$/);
    expect(res.lineage).toMatchObject({
      trainingJob: 'train-1',
      dataUris: ['s3://data/train.csv'],
      metrics: declared.metrics.holdout,
      training: { dataset: declared.training.dataset },
      registeredFrom: V1,
      registeredAt: '2026-11-23T10:01:00.000Z',
    });
    expect(res.lineage.parentVersion).toBeUndefined();
  });

  it('refuses a tampered package and writes nothing', async () => {
    const reg = await make();
    const dir = await copyPackage(V1);
    const onnx = await readFile(join(dir, 'model.onnx'));
    onnx[onnx.length - 1] = onnx[onnx.length - 1]! ^ 0xff;
    await writeFile(join(dir, 'model.onnx'), onnx);
    await expect(reg.register(dir)).rejects.toThrow(/model\.onnx SHA-256 is [0-9a-f]{64} but model\.json declares [0-9a-f]{64}; refusing to register/);
    expect(await reg.list()).toEqual([]);
  });

  it('keeps a version immutable: identical bytes are a no-op, different bytes an error naming the version', async () => {
    const reg = await make({ now: clock() });
    const first = await reg.register(V1);
    const again = await reg.register(V1);
    expect(again.created).toBe(false);
    expect(again.lineage).toEqual(first.lineage);
    // A different package under the same version: 1.1.0's files relabelled 1.0.0.
    const dir = await copyPackage(V2);
    const pkg = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    await writeFile(join(dir, 'model.json'), JSON.stringify({ ...pkg, version: '1.0.0' }));
    await expect(reg.register(dir)).rejects.toThrow(/breast-cancer 1\.0\.0 is already registered with a different model\.onnx.*immutable/);
    expect((await reg.show('breast-cancer', '1.0.0')).sha256).toBe(first.sha256);
  });

  it('promotes and rolls back by moving the pointer, saying what changed', async () => {
    const reg = await make({ now: clock() });
    await reg.register(V1);
    await expect(reg.rollback('breast-cancer')).rejects.toThrow(/no production version to roll back/);
    const p1 = await reg.promote('breast-cancer', '1.0.0');
    expect(describeChange(p1)).toBe('breast-cancer: production (none) -> 1.0.0');
    // 1.1.0 registered while 1.0.0 is in production: 1.0.0 is its parent.
    expect((await reg.register(V2)).lineage.parentVersion).toBe('1.0.0');
    const p2 = await reg.promote('breast-cancer', '1.1.0');
    expect(describeChange(p2)).toBe('breast-cancer: production 1.0.0 -> 1.1.0');
    expect(p2.pointer).toMatchObject({ version: '1.1.0', previous: [{ version: '1.0.0' }] });
    expect(describeChange(await reg.promote('breast-cancer', '1.1.0'))).toBe('breast-cancer: production is already 1.1.0 (unchanged)');
    expect((await reg.production('breast-cancer'))?.version).toBe('1.1.0');
    const back = await reg.rollback('breast-cancer');
    expect(describeChange(back)).toBe('breast-cancer: production 1.1.0 -> 1.0.0 (rollback)');
    expect(await reg.production('breast-cancer')).toMatchObject({ version: '1.0.0', previous: [] });
    await expect(reg.rollback('breast-cancer')).rejects.toThrow(/no previous production version/);
    await expect(reg.promote('breast-cancer', '9.9.9')).rejects.toThrow(/breast-cancer 9\.9\.9 is not registered \(registered versions: 1\.0\.0, 1\.1\.0\)/);
  });

  it('lists models and shows a version (production by default)', async () => {
    const reg = await make();
    expect(await reg.list()).toEqual([]);
    await reg.register(V2);
    await reg.register(V1);
    expect(await reg.list()).toEqual([{ name: 'breast-cancer', versions: ['1.0.0', '1.1.0'] }]);
    expect((await reg.show('breast-cancer')).version).toBe('1.1.0'); // latest when nothing is in production
    await reg.promote('breast-cancer', '1.0.0');
    expect(await reg.list()).toEqual([{ name: 'breast-cancer', versions: ['1.0.0', '1.1.0'], production: '1.0.0' }]);
    const shown = await reg.show('breast-cancer');
    expect(shown).toMatchObject({ version: '1.0.0', production: true, task: 'binary-classification' });
    expect(shown.size).toBe((await readFile(join(V1, 'model.onnx'))).length);
    expect((await reg.show('breast-cancer', '1.1.0')).production).toBe(false);
    await expect(reg.show('iris')).rejects.toThrow(/no model "iris"/);
  });

  it('mirrors registrations and pointer moves into the mirror port', async () => {
    const calls: string[] = [];
    const mirror: RegistryMirror = {
      registered: async (v) => void calls.push(`registered ${v.version} ${v.sha256.slice(0, 8)}`),
      setApproval: async (_m, v, status) => void calls.push(`${v} ${status}`),
    };
    const reg = await make({ mirror });
    const r1 = await reg.register(V1);
    await reg.register(V2);
    await reg.promote('breast-cancer', '1.0.0');
    await reg.promote('breast-cancer', '1.1.0');
    await reg.rollback('breast-cancer');
    expect(calls).toEqual([`registered 1.0.0 ${r1.sha256.slice(0, 8)}`, expect.stringMatching(/^registered 1\.1\.0/), '1.0.0 Approved', '1.1.0 Approved', '1.1.0 Rejected', '1.0.0 Approved']);
  });
});

describe('registry sources', () => {
  it('registers from an s3:// package as well as from a folder', async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, `registry-src-${randomBytes(6).toString('hex')}`);
    const source = await uploadPackage(s3, bucket, 'incoming/bc', V2);
    const reg = openRegistry(join(await mkdtemp(join(tmpdir(), 'registry-')), 'reg'));
    const res = await reg.register(source, {}, { s3 });
    expect(res).toMatchObject({ version: '1.1.0', created: true, lineage: { registeredFrom: source } });
  });

  it('orders versions semantically', () => {
    expect(['1.10.0', '1.2.0', '1.2.0-rc.1', '0.9.9'].sort(compareVersions)).toEqual(['0.9.9', '1.2.0-rc.1', '1.2.0', '1.10.0']);
  });
});
