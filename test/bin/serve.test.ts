import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { MODELS, ROOT, readPackage } from '../support/models.ts';

let child: ChildProcess;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Without MODELS, npm start serves the models of inference.config.ts.
  const { MODELS: _ignored, ...inherited } = process.env;
  const env = { ...inherited, PORT: String(port) };
  child = spawn(process.execPath, ['--import', 'tsx', 'bin/serve.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up: ${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('inference API on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
  });
});

afterAll(() => {
  child?.kill('SIGTERM');
});

describe('npm start', () => {
  it('serves the models of inference.config.ts on localhost', async () => {
    const res = await fetch(`${base}/models`);
    expect(await res.json()).toEqual({ models: [{ name: 'breast-cancer', version: '1.0.0', task: 'binary-classification' }] });
  });

  it('returns examples[0].prediction when posting examples[0].instance', async () => {
    const { examples } = readPackage(MODELS.breastCancer);
    const res = await fetch(`${base}/models/breast-cancer/predict`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ instances: [examples[0]!.instance] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ model: { name: 'breast-cancer', version: '1.0.0' }, predictions: [examples[0]!.prediction] });
  });
});
