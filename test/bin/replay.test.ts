import { mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCsv } from '../support/batch-data.ts';
import { runCli } from '../support/cli.ts';
import { SHADOW_PREFIX } from '../../functions/core/capture/capture-record.ts';
import { writeAt } from '../support/files.ts';

async function captures() {
  const dir = await mkdtemp(join(tmpdir(), 'replay-'));
  const data = generateCsv(300);
  const lines = data.goodIds.map((id, i) => JSON.stringify({ ts: '2026-11-23T00:00:00.000Z', requestId: id, index: 0, model: 'breast-cancer', version: '1.0.0', features: data.instances.get(id), prediction: null, n: i }));
  await writeFile(join(dir, 'captures.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

/** A capture root as serving leaves it: the records in the model's partition, and a shadow record of each request under _shadow/. */
async function captureRoot() {
  const dir = await captures();
  const lines = (await readFile(join(dir, 'captures.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  const shadows = lines.map((r) => JSON.stringify({ ts: r.ts, requestId: r.requestId, model: r.model, version: r.version, candidate: '1.1.0', rows: 1, predictions: [null], answers: [null] }));
  await mkdir(join(dir, 'breast-cancer/1.0.0/dt=2026-11-23/hr=00'), { recursive: true });
  await rename(join(dir, 'captures.jsonl'), join(dir, 'breast-cancer/1.0.0/dt=2026-11-23/hr=00/1-a.jsonl'));
  writeAt(dir, `${SHADOW_PREFIX}breast-cancer/1.0.0/1.1.0/dt=2026-11-23/hr=00/1-b.jsonl`, `${shadows.join('\n')}\n`);
  return dir;
}

describe('npm run replay', () => {
  it('compares the served version with a candidate on captured requests, as JSON and in a report file', async () => {
    const dir = await captures();
    const res = await runCli('bin/replay.ts', ['--model', 'breast-cancer', '--candidate', '1.1.0', '--input', join(dir, 'captures.jsonl'), '--json', '--report', join(dir, 'replay.json')]);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report).toMatchObject({ model: 'breast-cancer', current: '1.0.0', candidate: '1.1.0', rows: 300, rejected: 0 });
    expect(report.comparison.agreement).toBeGreaterThan(0.9);
    expect(JSON.parse(await readFile(join(dir, 'replay.json'), 'utf8'))).toEqual(report);
  });

  it('prints a readable summary', async () => {
    const dir = await captures();
    const res = await runCli('bin/replay.ts', ['--model', 'breast-cancer', '--candidate', '1.1.0', '--input', dir]);
    expect(res.stdout).toMatch(/^breast-cancer: current 1\.0\.0 vs candidate 1\.1\.0 on 300 captured rows \(0 not scorable\)\nlabel agreement: /);
  });

  it('reads the capture root, without taking the shadow records under its _shadow/ for requests', async () => {
    const res = await runCli('bin/replay.ts', ['--model', 'breast-cancer', '--candidate', '1.1.0', '--input', await captureRoot(), '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ rows: 300, rejected: 0 });
  });

  it('exits 2 for a candidate that is not a version of the model, or a missing option', async () => {
    const dir = await captures();
    const wrong = await runCli('bin/replay.ts', ['--model', 'breast-cancer', '--candidate', 'test/fixtures/models/wine-mlp/1.0.0', '--input', dir]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('the candidate is wine-mlp 1.0.0, not a version of breast-cancer');
    expect((await runCli('bin/replay.ts', ['--model', 'breast-cancer'])).code).toBe(2);
    const unknown = await runCli('bin/replay.ts', ['--model', 'breast-cancer', '--candidate', '9.9.9', '--input', dir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/replay: .*9\.9\.9.*cannot read model\.json/);
  });
});
