import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { readRecords } from '../../functions/core/capture/read-records.ts';
import { openLocation } from '../../functions/core/storage/location.ts';
import { freePort } from '../support/free-port.ts';
import { MODELS, ROOT, readPackage } from '../support/models.ts';

const { examples } = readPackage(MODELS.breastCancer);

/** `npm start` as a child process with some settings; without MODELS it serves the models of inference.config.ts. */
function spawnServe(settings: NodeJS.ProcessEnv): ChildProcess {
  const { MODELS: _ignored, ...inherited } = process.env;
  return spawn(process.execPath, ['--import', 'tsx', 'bin/serve.ts'], { cwd: ROOT, env: { ...inherited, ...settings }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `npm start` with some settings, once it says it is up. */
async function start(settings: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawnServe({ ...settings, PORT: String(port) });
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
  return { child, base: `http://127.0.0.1:${port}` };
}

const predict = (base: string, instances: readonly unknown[]) =>
  fetch(`${base}/models/breast-cancer/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ instances }) });

describe('npm start', () => {
  let server: { child: ChildProcess; base: string };
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => {
    server?.child.kill('SIGTERM');
  });

  it('serves the models of inference.config.ts on localhost', async () => {
    const res = await fetch(`${server.base}/models`);
    expect(await res.json()).toEqual({ models: [{ name: 'breast-cancer', version: '1.0.0', task: 'binary-classification' }] });
  });

  it('returns examples[0].prediction when posting examples[0].instance', async () => {
    const res = await predict(server.base, [examples[0]!.instance]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ model: { name: 'breast-cancer', version: '1.0.0' }, predictions: [examples[0]!.prediction] });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('writes the captured requests it still buffers when stopped with %s', async (signal) => {
    const captures = await mkdtemp(join(tmpdir(), 'serve-captures-'));
    const { child, base } = await start({ CAPTURE_URI: captures, CAPTURE_SAMPLE_RATE: '1' });
    onTestFinished(() => void child.kill('SIGKILL'));
    expect((await predict(base, [examples[0]!.instance, examples[0]!.instance])).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill(signal);
    expect(await exited).toBe(0);
    const { records } = await readRecords(openLocation(captures), ['']);
    expect(records.map((r) => [r.model, r.version, r.index])).toEqual([
      ['breast-cancer', '1.0.0', 0],
      ['breast-cancer', '1.0.0', 1],
    ]);
  });

  /**
   * npm start that is expected to stop at once: its exit status and what it printed on stderr. It
   * gets a port of its own unless the settings name one, and is killed should it come up after all.
   */
  const failedStart = async (settings: NodeJS.ProcessEnv) => {
    const child = spawnServe({ PORT: String(await freePort()), ...settings });
    onTestFinished(() => void child.kill('SIGKILL'));
    return new Promise<{ code: number | null; stderr: string }>((resolve) => {
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  };

  it.each([
    [{ MODELS: 'bad' }, 'npm start: invalid settings: MODELS: MODELS must be a non-empty JSON array of strings, got bad\n'],
    [{ MODELS: '["models/nope/1.0.0"]' }, "npm start: models/nope/1.0.0: cannot read model.json: ENOENT: no such file or directory, open 'models/nope/1.0.0/model.json'\n"],
  ])('stops with one line and status 2 when it cannot start: %j', async (settings, message) => {
    expect(await failedStart(settings)).toEqual({ code: 2, stderr: message });
  });

  it('stops with one line and status 2 when its port is taken', async () => {
    const port = new URL(server.base).port;
    expect(await failedStart({ PORT: port })).toEqual({ code: 2, stderr: `npm start: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n` });
  });
});
