import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { RequestCapture } from '../../functions/core/capture/request-capture.ts';
import { comparePredictions } from '../../functions/core/compare/compare-predictions.ts';
import { loadModel } from '../../functions/core/load.ts';
import type { Model } from '../../functions/core/model.ts';
import { ModelSet } from '../../functions/core/model-set.ts';
import { createHandler } from '../../functions/predict/app.ts';
import { generateCsv } from '../support/batch-data.ts';
import { workspace, type Where } from '../support/batch-job.ts';
import { runCli } from '../support/cli.ts';
import { lambdaContext, proxyEvent } from '../support/events.ts';
import { MODELS, ROOT, model } from '../support/models.ts';
import { S3_ENV } from '../support/s3.ts';

const instances = [...generateCsv(60).instances.values()];
let primary: Model;

beforeAll(async () => {
  primary = await model(MODELS.breastCancer);
});

/** Live traffic through the real handler with 1.1.0 as the shadow, every request captured; returns what the callers got. */
async function serveWithShadow(where: Where, candidate: Model) {
  const { base, location } = await workspace(where);
  const { store, key } = location(`${base}/captures`);
  const capture = new RequestCapture({ store, prefix: key, sampleRate: 1 });
  const handler = createHandler(new ModelSet([primary, candidate]), { maxBodyBytes: 1 << 20, capture, experiments: { 'breast-cancer': { stickyHeader: 'x-user-id', shadow: '1.1.0' } } });
  const answers: APIGatewayProxyResult[] = [];
  for (let i = 0; i < instances.length; i += 3) {
    answers.push((await handler(proxyEvent('POST', '/models/breast-cancer/predict', { body: { instances: instances.slice(i, i + 3) } }), lambdaContext())) as APIGatewayProxyResult);
  }
  // The shadow scores after each response; let it finish before the buffer is uploaded.
  await new Promise((r) => setTimeout(r, 200));
  await capture.flush();
  return { answers, input: `${base}/captures` };
}

describe('npm run shadow', () => {
  it('compares the shadow with the primary on captured live traffic, as JSON and as an HTML report', async () => {
    const candidate = await loadModel(`${ROOT}/models/breast-cancer/1.1.0`);
    const { answers, input } = await serveWithShadow('local', candidate);
    expect(answers.every((a) => a.statusCode === 200 && a.headers!['X-Model-Version'] === '1.0.0')).toBe(true);
    const report = join(input, 'shadow.html');
    const res = await runCli('bin/shadow.ts', ['--input', input, '--json', '--report', report]);
    expect(res.code).toBe(0);
    const { pairs, skipped } = JSON.parse(res.stdout);
    expect(skipped).toBe(0);
    expect(pairs).toHaveLength(1);
    const expected = comparePredictions(await primary.predict(instances), await candidate.predict(instances));
    expect(pairs[0]).toMatchObject({ model: 'breast-cancer', version: '1.0.0', candidate: '1.1.0', requests: 20, errors: 0 });
    expect(pairs[0].comparison.rows).toBe(instances.length);
    expect(pairs[0].comparison.agreement).toBeCloseTo(expected.agreement!, 12);
    expect(pairs[0].comparison.meanAbsDiff).toBeCloseTo(expected.meanAbsDiff, 9);
    expect(pairs[0].latencyMs.candidate.p50).toBeGreaterThan(0);
    const html = await readFile(report, 'utf8');
    expect(html).toContain('breast-cancer: primary 1.0.0, shadow 1.1.0');
    expect(html).toContain('never failed in 20 requests');
  });

  it('counts a failing shadow\'s requests as failures, while every caller still got the primary\'s answer', async () => {
    const broken = await loadModel(`${ROOT}/models/breast-cancer/1.1.0`);
    await broken.session.release();
    const { answers, input } = await serveWithShadow('s3', broken);
    expect(answers.map((a) => a.statusCode)).toEqual(new Array(20).fill(200));
    const res = await runCli('bin/shadow.ts', ['--input', input, '--model', 'breast-cancer', '--endpoint-url', inject('motoEndpoint')], S3_ENV);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('breast-cancer: primary 1.0.0, shadow 1.1.0: 20 requests');
    expect(res.stdout).toMatch(/candidate failures: 20 \(100\.00%\)/);
  });

  it('exits 2 when there are no shadow records', async () => {
    const { base } = await workspace('local');
    const res = await runCli('bin/shadow.ts', ['--input', base]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`shadow: no shadow records in ${base}`);
  });
});
