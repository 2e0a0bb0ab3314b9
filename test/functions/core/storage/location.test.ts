import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { LocalStore } from '../../../../functions/core/storage/local-store.ts';
import { hiddenBelow, joinKey, openLocation } from '../../../../functions/core/storage/location.ts';
import { S3Store } from '../../../../functions/core/storage/s3-store.ts';
import { createBucket, motoS3 } from '../../../support/s3.ts';

describe('openLocation', () => {
  it('opens s3://bucket/prefix as that bucket and key', () => {
    const { store, key } = openLocation('s3://scores/jobs/2026-11-23/', { s3: motoS3() });
    expect(store).toBeInstanceOf(S3Store);
    expect(key).toBe('jobs/2026-11-23/');
    expect(store.uri(key)).toBe('s3://scores/jobs/2026-11-23/');
    expect(openLocation('s3://scores', { s3: motoS3() }).key).toBe('');
  });

  it('reaches an S3-compatible endpoint given by URL, with path-style addressing', async () => {
    const bucket = await createBucket(motoS3(), 'location-endpoint');
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    process.env.AWS_REGION ??= 'us-east-1';
    const { store, key } = openLocation(`s3://${bucket}/in/x.csv`, { endpointUrl: inject('motoEndpoint') });
    await store.write(key, 'a\n1\n');
    expect(await store.list('in')).toMatchObject([{ key: 'in/x.csv', size: 4 }]);
  });

  it('opens a local path as the file system from /, keyed by the absolute path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'location-'));
    const { store, key } = openLocation(join(dir, 'out'));
    expect(store).toBeInstanceOf(LocalStore);
    expect(key).toBe(join(dir, 'out').slice(1));
    await store.write(joinKey(key, 'part-00000.csv'), 'y\n');
    expect(store.uri(joinKey(key, 'part-00000.csv'))).toBe(join(dir, 'out', 'part-00000.csv'));
    expect(openLocation('relative/dir').key).toBe(resolve('relative/dir').slice(1));
  });

  it('refuses other URI schemes', () => {
    expect(() => openLocation('gs://bucket/x')).toThrow(/unsupported location "gs:\/\/bucket\/x"/);
  });
});

describe('joinKey', () => {
  it('puts exactly one slash between prefix and name', () => {
    expect(joinKey('out', 'part-00000.csv')).toBe('out/part-00000.csv');
    expect(joinKey('out/', '_manifest.json')).toBe('out/_manifest.json');
    expect(joinKey('', 'rejects/part-00001.jsonl')).toBe('rejects/part-00001.jsonl');
  });
});

describe('hiddenBelow', () => {
  it('hides a key under a _ or . named folder or file below the listed prefix', () => {
    expect(hiddenBelow('captures', 'captures/_shadow/m/1.0.0/2.0.0/dt=2026-11-23/hr=17/a.jsonl')).toBe(true);
    expect(hiddenBelow('captures/', 'captures/m/1.0.0/_temporary/a.jsonl')).toBe(true);
    expect(hiddenBelow('', '.cache/a.jsonl')).toBe(true);
    expect(hiddenBelow('out', 'out/_SUCCESS')).toBe(true);
    expect(hiddenBelow('captures', 'captures/m/1.0.0/dt=2026-11-23/hr=17/a_b.jsonl')).toBe(false);
  });

  it('reads a hidden folder that the prefix names', () => {
    expect(hiddenBelow('captures/_shadow/', 'captures/_shadow/m/1.0.0/2.0.0/a.jsonl')).toBe(false);
    expect(hiddenBelow('captures/_shadow/m/1.0.0/2.0.0/a.jsonl', 'captures/_shadow/m/1.0.0/2.0.0/a.jsonl')).toBe(false);
  });
});
