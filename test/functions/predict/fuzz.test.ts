import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { testHandler } from '../../support/app.ts';
import { MODELS, readPackage } from '../../support/models.ts';

const pkg = readPackage(MODELS.breastCancer);
let call: Awaited<ReturnType<typeof testHandler>>;
beforeAll(async () => {
  call = await testHandler();
});

const anyValue = fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.boolean(), fc.integer(), fc.constant(1e308), fc.jsonValue());
const instance = fc.record(Object.fromEntries(pkg.features.map((f) => [f.name, anyValue])), { requiredKeys: [] });
const paths = fc.constantFrom('/models/breast-cancer/predict', '/v2/models/breast-cancer/infer', '/models/diabetes-categorical/predict', '/v2/models/wine-mlp/infer');

describe('no body gives a server error', () => {
  it('answers random JSON documents with 2xx or 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(paths, fc.jsonValue(), async (path, body) => {
        const res = await call('POST', path, { body: JSON.stringify(body) });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });

  it('answers random strings (broken JSON) with 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(paths, fc.string({ unit: 'binary' }), async (path, body) => {
        const res = await call('POST', path, { body, headers: { 'Content-Type': 'application/json' } });
        expect(res.statusCode).toBeGreaterThanOrEqual(200);
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.json).toHaveProperty('issues');
      }),
      { numRuns: 300 },
    );
  });

  it('answers instances of random values with 200 or a 400 that names each bad feature', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(instance, { minLength: 1, maxLength: 5 }), async (instances) => {
        const res = await call('POST', '/models/breast-cancer/predict', { body: JSON.stringify({ instances }) });
        expect([200, 400]).toContain(res.statusCode);
        if (res.statusCode === 400) {
          for (const issue of res.json.issues as { path: string }[]) expect(issue.path).toMatch(/^instances\[\d+\]\.\w+$|^$/);
        } else {
          expect(res.json.predictions).toHaveLength(instances.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('answers tensors of random shapes and data with 2xx or 4xx', async () => {
    const tensor = fc.record({ name: fc.constantFrom(pkg.inputs[0]!.name, 'x'), datatype: fc.constantFrom('FP32', 'INT64', 'BYTES', 7), shape: fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 3 }), data: fc.array(anyValue, { maxLength: 90 }) }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.array(tensor, { maxLength: 3 }), async (inputs) => {
        const res = await call('POST', '/v2/models/breast-cancer/infer', { body: JSON.stringify({ inputs }) });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });
});
