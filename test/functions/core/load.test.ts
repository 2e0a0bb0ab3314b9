import { PutObjectCommand } from '@aws-sdk/client-s3';
import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelPackageError } from '../../../functions/core/errors.ts';
import { loadModel } from '../../../functions/core/load.ts';
import { MODELS, readPackage } from '../../support/models.ts';
import { createBucket, deleteObject, motoS3, uploadPackage } from '../../support/s3.ts';

const tempCopy = async (dir: string) => {
  const copy = await mkdtemp(join(tmpdir(), 'pkg-'));
  await cp(dir, copy, { recursive: true });
  return copy;
};

const loadError = (source: string, options = {}) =>
  loadModel(source, options).then(
    () => {
      throw new Error('expected the load to fail');
    },
    (e: unknown) => e as ModelPackageError,
  );

describe('loadModel from a folder', () => {
  it('loads the default model and names it from model.json', async () => {
    const m = await loadModel(MODELS.breastCancer);
    expect(m.name).toBe('breast-cancer');
    expect(m.version).toBe('1.0.0');
  });

  it('refuses a model.onnx whose SHA-256 differs from model.json', async () => {
    const dir = await tempCopy(MODELS.breastCancer);
    const bytes = await readFile(join(dir, 'model.onnx'));
    bytes[bytes.length - 1]! ^= 0xff;
    await writeFile(join(dir, 'model.onnx'), bytes);
    const error = await loadError(dir);
    expect(error).toBeInstanceOf(ModelPackageError);
    expect(error.message).toMatch(/model\.onnx SHA-256 is [0-9a-f]{64} but model\.json declares [0-9a-f]{64}; refusing to load/);
  });

  it('refuses a model.json that breaks the schema, naming each field', async () => {
    const dir = await tempCopy(MODELS.breastCancer);
    const pkg = readPackage(dir);
    await writeFile(join(dir, 'model.json'), JSON.stringify({ ...pkg, version: 'latest', sha256: 'abc', examples: [] }));
    const error = await loadError(dir);
    expect(error.message).toContain('version: a semantic version such as 1.0.0');
    expect(error.message).toContain('sha256: 64 lowercase hex digits');
    expect(error.message).toContain('examples');
  });

  it('refuses a package whose declared inputs do not match the graph', async () => {
    const dir = await tempCopy(MODELS.breastCancer);
    const pkg = readPackage(dir);
    await writeFile(join(dir, 'model.json'), JSON.stringify({ ...pkg, inputs: [{ ...pkg.inputs[0]!, name: 'x' }], features: pkg.features.map((f) => ({ ...f, input: undefined })) }));
    expect((await loadError(dir)).message).toMatch(/graph has no input "x"/);
  });

  it('says which file is missing', async () => {
    expect((await loadError(join(tmpdir(), 'no-such-model'))).message).toMatch(/cannot read model\.json/);
  });
});

describe('loadModel from s3:// (moto)', () => {
  it('downloads, verifies and caches the package, then loads from the cache', async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, 'models-cache-test');
    const uri = await uploadPackage(s3, bucket, 'breast-cancer/1.0.0', MODELS.breastCancer);
    const cacheDir = await mkdtemp(join(tmpdir(), 'cache-'));
    const first = await loadModel(uri, { s3, cacheDir });
    expect(first.name).toBe('breast-cancer');
    const sha = readPackage(MODELS.breastCancer).sha256;
    expect(await readdir(join(cacheDir, bucket, 'breast-cancer/1.0.0'))).toEqual([`${sha}.onnx`]);

    await deleteObject(s3, bucket, 'breast-cancer/1.0.0/model.onnx');
    const second = await loadModel(uri, { s3, cacheDir });
    expect(await second.predict([readPackage(MODELS.breastCancer).examples[0]!.instance])).toEqual([readPackage(MODELS.breastCancer).examples[0]!.prediction]);
  });

  it('refetches when the cached file is corrupt', async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, 'models-corrupt-cache');
    const uri = await uploadPackage(s3, bucket, 'bc', MODELS.breastCancer);
    const cacheDir = await mkdtemp(join(tmpdir(), 'cache-'));
    await loadModel(uri, { s3, cacheDir });
    const cached = join(cacheDir, bucket, 'bc', `${readPackage(MODELS.breastCancer).sha256}.onnx`);
    await writeFile(cached, 'garbage');
    await expect(loadModel(uri, { s3, cacheDir })).resolves.toBeDefined();
    expect((await readFile(cached)).length).toBeGreaterThan(7);
  });

  it('refuses an S3 object whose SHA-256 differs, and caches nothing', async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, 'models-tampered');
    const uri = await uploadPackage(s3, bucket, 'bc', MODELS.breastCancer);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bc/model.onnx', Body: await readFile(join(MODELS.wineMlp, 'model.onnx')) }));
    const cacheDir = await mkdtemp(join(tmpdir(), 'cache-'));
    expect((await loadError(uri, { s3, cacheDir })).message).toMatch(/^s3:\/\/models-tampered\/bc: model\.onnx SHA-256 is .* refusing to load$/);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('names the object it cannot read', async () => {
    const s3 = motoS3();
    const bucket = await createBucket(s3, 'models-empty');
    expect((await loadError(`s3://${bucket}/nothing/here`, { s3 })).message).toMatch(/cannot read s3:\/\/models-empty\/nothing\/here\/model\.json: NoSuchKey/);
  });
});
