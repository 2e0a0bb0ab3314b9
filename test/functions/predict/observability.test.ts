import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadModel } from '../../../functions/core/load.ts';
import { reportShadow } from '../../../functions/predict/observability.ts';
import { SERVICES } from '../../../lib/model-metrics.ts';
import { testHandler } from '../../support/app.ts';
import { MODELS, ROOT, model, readPackage } from '../../support/models.ts';

// The suite runs with metrics off (EMF lines would flood the output); this file turns them on
// before the shared Powertools instances are created, under the service name the stack gives the
// predict function (lib/predict-function.ts).
vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_SERVICE_NAME = 'predict';
});

const example = readPackage(MODELS.breastCancer).examples[0]!;
let call: Awaited<ReturnType<typeof testHandler>>;
beforeAll(async () => {
  call = await testHandler();
});

const captureEmf = () => {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return () => lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
};

describe('predict handler observability', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('emits EMF latency and batch-size metrics dimensioned by model and version', async () => {
    const emitted = captureEmf();
    await call('POST', '/models/breast-cancer/predict', { body: { instances: [example.instance, example.instance] } });
    const emf = emitted();
    const request = emf.find((e) => 'Latency' in e)!;
    expect(request).toMatchObject({ model: 'breast-cancer', version: '1.0.0', BatchSize: 2 });
    expect(request._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(expect.arrayContaining(['model', 'version']));
    expect(request.Latency).toBeGreaterThan(0);
  });

  it('counts a client error by kind', async () => {
    const emitted = captureEmf();
    await call('POST', '/models/breast-cancer/predict', { body: { instances: [] } });
    const emf = emitted();
    expect(emf).toContainEqual(expect.objectContaining({ kind: 'InvalidInput', Errors: 1 }));
    expect(emf).toContainEqual(expect.objectContaining({ ClientErrors: 1, model: 'breast-cancer' }));
  });

  it('reports a shadow outcome under exactly the dimensions the dashboard reads: service, model, version and candidate', async () => {
    const primary = await model(MODELS.breastCancer);
    const candidate = await loadModel(`${ROOT}/models/breast-cancer/1.1.0`);
    const emitted = captureEmf();
    reportShadow({ primary, candidate, instances: [], predictions: [], primaryLatencyMs: 1, latencyMs: 2, comparison: { rows: 4, agreement: 0.75, meanAbsDiff: 0.1, maxAbsDiff: 0.3 } });
    const emf = emitted();
    for (const [metric, value] of [
      ['ShadowLatency', 2],
      ['ShadowMeanAbsDiff', 0.1],
      ['ShadowAgreement', 75],
    ] as const) {
      const line = emf.find((e) => metric in e)!;
      // The name the stack gives the predict function (lib/predict-function.ts) is the one the dashboard reads.
      expect(line).toMatchObject({ service: SERVICES.predict, model: 'breast-cancer', version: '1.0.0', candidate: '1.1.0', [metric]: value });
      expect([...line._aws.CloudWatchMetrics[0].Dimensions[0]].sort()).toEqual(['candidate', 'model', 'service', 'version']);
    }
  });
});
