import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../functions/core/load.ts';
import { readTarGz, writeTarGz } from '../../../functions/core/retraining/tar.ts';
import { writeBreastCancerChannels } from '../../../models/training/split-data.ts';
import { train } from '../../../models/training/train.ts';

const shipped = JSON.parse(readFileSync('models/breast-cancer/1.0.0/model.json', 'utf8'));

describe('the example training script (models/training/train.ts)', () => {
  const root = mkdtempSync(join(tmpdir(), 'train-'));
  const channels = writeBreastCancerChannels(join(root, 'data'));
  const paths = { ...channels, model: join(root, 'model'), checkpoints: join(root, 'checkpoints'), failure: join(root, 'failure') };
  let first: Awaited<ReturnType<typeof train>> | undefined;
  const hyperparameters = { 'model-name': 'breast-cancer', 'model-version': '1.2.0', lambda: '1', target: 'diagnosis', classes: 'benign,malignant' };

  it('trains on the breast-cancer channels into a package that loads and reproduces the shipped 1.0.0 model', async () => {
    const pkg = await train(paths, hyperparameters);
    first = pkg;
    expect(pkg.resumed).toBe(false);
    const model = await loadModel(paths.model);
    try {
      expect(model.version).toBe('1.2.0');
      // Same data, split and lambda as the shipped 1.0.0: the same weights, so the same metrics and predictions
      // (the checksum differs: the graph's description does).
      for (const [name, value] of Object.entries(shipped.metrics.holdout)) expect(model.pkg.metrics.holdout[name]).toBeCloseTo(value as number, 10);
      const metrics = JSON.parse(readFileSync(join(paths.model, 'metrics.json'), 'utf8'));
      expect(metrics).toMatchObject({ holdout: model.pkg.metrics.holdout, trainRows: shipped.training.rows, holdoutRows: shipped.training.holdoutRows });
      for (const example of model.pkg.examples) expect((await model.predict([example.instance]))[0]).toEqual(example.prediction);
      for (const example of shipped.examples) expect((await model.predict([example.instance]))[0]).toEqual(example.prediction);
    } finally {
      await model.session.release();
    }
    expect(existsSync(join(paths.checkpoints, 'logistic-regression.json'))).toBe(true);
  });

  it('resumes from its checkpoint when rerun with the same hyperparameters (a spot restart)', async () => {
    const again = await train(paths, hyperparameters);
    expect(again.resumed).toBe(true);
    expect(again.metrics).toEqual(first!.metrics);
    const other = await train({ ...paths, model: join(root, 'model-2') }, { ...hyperparameters, lambda: '0.1' });
    expect(other.resumed).toBe(false);
  });

  it('runs as a script against local folders given by the SM_* variables, and writes the failure file on error', () => {
    const out = join(root, 'cli');
    const env = { ...process.env, SM_CHANNEL_TRAIN: channels.train, SM_CHANNEL_HOLDOUT: channels.holdout, SM_MODEL_DIR: out, SM_CHECKPOINT_DIR: join(root, 'cli-ckpt'), SM_OUTPUT_FAILURE: join(root, 'cli-failure') };
    const stdout = execFileSync('npx', ['tsx', 'models/training/train.ts'], { env: { ...env, SM_HPS: JSON.stringify(hyperparameters) }, encoding: 'utf8' });
    expect(stdout).toContain('breast-cancer@1.2.0');
    expect(existsSync(join(out, 'model.onnx'))).toBe(true);
    expect(() => execFileSync('npx', ['tsx', 'models/training/train.ts'], { env: { ...env, SM_HPS: '{}' }, stdio: 'pipe' })).toThrow();
    expect(readFileSync(join(root, 'cli-failure'), 'utf8')).toContain('model-name and model-version are required');
  });
});

describe('model.tar.gz', () => {
  it('round-trips files and reads archives written by tar (with ./ prefixes)', () => {
    const files = { 'model.json': new TextEncoder().encode('{}\n'), 'model.onnx': new Uint8Array(1500).fill(7) };
    const read = readTarGz(writeTarGz(files));
    expect([...read.keys()]).toEqual(['model.json', 'model.onnx']);
    expect(Buffer.compare(read.get('model.onnx')!, files['model.onnx'])).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'tar-'));
    execFileSync('sh', ['-c', `cd ${dir} && printf hello > a.txt && tar czf x.tar.gz ./a.txt`]);
    expect(new TextDecoder().decode(readTarGz(readFileSync(join(dir, 'x.tar.gz'))).get('a.txt'))).toBe('hello');
  });
});
