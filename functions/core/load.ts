import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { ModelPackageError } from './errors.ts';
import { Model, type ModelOptions } from './model.ts';
import type { ModelPackage } from './model-package.ts';
import { parsePackage, sha256 } from './package-file.ts';
import { makeDirs } from './storage/make-dirs.ts';

export interface LoadOptions extends Omit<ModelOptions, 'source'> {
  /** Local folder where packages read from S3 are cached, keyed by checksum. @default os.tmpdir()/models */
  readonly cacheDir?: string;
  /** Client for `s3://` sources. @default a client from the environment (AWS_ENDPOINT_URL_S3 honoured) */
  readonly s3?: S3Client;
}

const parseS3 = (uri: string) => {
  const match = /^s3:\/\/([^/]+)\/?(.*?)\/?$/.exec(uri);
  if (!match) throw new ModelPackageError('not an s3://bucket/prefix URI', uri);
  return { bucket: match[1]!, prefix: match[2] ? `${match[2]}/` : '' };
};

async function getObject(s3: S3Client, bucket: string, key: string, source: string): Promise<Uint8Array> {
  // Imported on first use: the S3 client costs ~70 ms of cold start that folder-loaded models never need.
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await res.Body!.transformToByteArray();
  } catch (err) {
    throw new ModelPackageError(`cannot read s3://${bucket}/${key}: ${(err as Error).name}: ${(err as Error).message}`, source, { cause: err });
  }
}

async function readCached(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

/**
 * Reads a package from S3, keeping model.onnx on local disk under its checksum so that later
 * cold starts in the same environment (or later CLI runs) skip the download.
 */
async function fetchFromS3(uri: string, options: LoadOptions): Promise<{ pkg: ModelPackage; onnx: Uint8Array }> {
  const { bucket, prefix } = parseS3(uri);
  const s3 = options.s3 ?? (await import('./storage/location.ts')).s3ClientFor();
  const pkg = parsePackage(new TextDecoder().decode(await getObject(s3, bucket, `${prefix}model.json`, uri)), uri);
  const cached = join(options.cacheDir ?? join(tmpdir(), 'models'), bucket, prefix, `${pkg.sha256}.onnx`);
  const hit = await readCached(cached);
  if (hit && sha256(hit) === pkg.sha256) return { pkg, onnx: hit };
  const onnx = await getObject(s3, bucket, `${prefix}model.onnx`, uri);
  // Only a verified file enters the cache; Model.create refuses a mismatch with the full message.
  if (sha256(onnx) === pkg.sha256) {
    makeDirs(dirname(cached));
    const partial = `${cached}.${process.pid}.partial`;
    await writeFile(partial, onnx);
    await rename(partial, cached);
  }
  return { pkg, onnx };
}

async function readFolder(dir: string): Promise<{ pkg: ModelPackage; onnx: Uint8Array }> {
  const read = async (file: string) => {
    try {
      return await readFile(join(dir, file));
    } catch (err) {
      throw new ModelPackageError(`cannot read ${file}: ${(err as Error).message}`, dir, { cause: err });
    }
  };
  const pkg = parsePackage((await read('model.json')).toString('utf8'), dir);
  return { pkg, onnx: await read('model.onnx') };
}

/** Loads a model package from a folder or an `s3://bucket/prefix` URI, verifies it, and opens its session. */
export async function loadModel(source: string, options: LoadOptions = {}): Promise<Model> {
  const { pkg, onnx } = source.startsWith('s3://') ? await fetchFromS3(source, options) : await readFolder(source);
  return Model.create(pkg, onnx, { ...options, source });
}
