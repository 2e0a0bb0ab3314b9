import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../../functions/core/model.ts';
import { ModelPackage } from '../../../functions/core/model-package.ts';
import { buildAll, PACKAGES } from '../../../models/build/index.ts';

const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length)).sort();

describe('npm run models:build', () => {
  let first: string;
  let second: string;

  beforeAll(async () => {
    first = mkdtempSync(join(tmpdir(), 'models-a-'));
    second = mkdtempSync(join(tmpdir(), 'models-b-'));
    await buildAll(first);
    await buildAll(second);
  });

  afterAll(() => {
    rmSync(first, { recursive: true, force: true });
    rmSync(second, { recursive: true, force: true });
  });

  const load = (dir: string) => ({
    pkg: ModelPackage.parse(JSON.parse(readFileSync(join(first, dir, 'model.json'), 'utf8'))),
    onnx: new Uint8Array(readFileSync(join(first, dir, 'model.onnx'))),
  });

  it('produces identical bytes on every run', () => {
    const files = filesUnder(first);
    expect(files).toHaveLength(PACKAGES.length * 2);
    expect(filesUnder(second)).toEqual(files);
    for (const f of files) expect(readFileSync(join(second, f)).equals(readFileSync(join(first, f))), f).toBe(true);
  });

  it('writes pretty-printed JSON ending in a newline', () => {
    for (const { dir } of PACKAGES) {
      const text = readFileSync(join(first, dir, 'model.json'), 'utf8');
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    }
  });

  it.each(PACKAGES.map((p) => p.dir))('writes golden examples that %s reproduces exactly', async (dir) => {
    const { pkg, onnx } = load(dir);
    const model = await Model.create(pkg, onnx);
    try {
      for (const example of pkg.examples) expect(await model.predict([example.instance])).toEqual([example.prediction]);
    } finally {
      await model.session.release();
    }
  });

  it('builds a default model that ranks holdout tumours almost perfectly', () => {
    const { pkg } = load('models/breast-cancer/1.0.0');
    expect(pkg.metrics.holdout.rocAuc).toBeGreaterThanOrEqual(0.98);
    expect(pkg.features.every((f) => f.type === 'numeric' && f.range?.strict === false)).toBe(true);
    const labels = pkg.examples.map((e) => (e.prediction as { label: string }).label);
    expect(new Set(labels)).toEqual(new Set(['benign', 'malignant']));
  });

  it('records baselines from the training rows only, every bin counted', () => {
    for (const { dir } of PACKAGES) {
      const { pkg } = load(dir);
      expect(pkg.baseline.rows).toBe(pkg.training.rows);
      for (const b of Object.values(pkg.baseline.features)) {
        expect(b.count).toBe(pkg.training.rows);
        if (b.type === 'numeric') expect(b.bins.counts.reduce((a, c) => a + c, 0)).toBe(b.count);
        else expect(Object.values(b.frequencies).reduce((a, c) => a + c, 0)).toBe(b.count);
      }
    }
  });

  it('gives the categorical fixture a string input and strict ranges to reject out-of-range values', async () => {
    const { pkg, onnx } = load('test/fixtures/models/diabetes-categorical/1.0.0');
    expect(pkg.inputs).toEqual([
      { name: 'features', type: 'float32' },
      { name: 'sex', type: 'string' },
    ]);
    const age = pkg.features.find((f) => f.name === 'age');
    expect(age?.type === 'numeric' && age.range?.strict).toBe(true);
    const model = await Model.create(pkg, onnx);
    try {
      await expect(model.predict([{ ...pkg.examples[0]!.instance, age: 500 }])).rejects.toThrow(/invalid instances/);
    } finally {
      await model.session.release();
    }
  });
});
