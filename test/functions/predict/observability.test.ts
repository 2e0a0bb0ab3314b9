import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { testHandler } from '../../support/app.ts';
import { MODELS, readPackage } from '../../support/models.ts';

// The suite runs with metrics off (EMF lines would flood the output); this file turns them on
// before the shared Powertools instances are created.
vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
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
});
