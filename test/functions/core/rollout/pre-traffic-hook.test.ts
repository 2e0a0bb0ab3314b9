import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { ModelPackage } from '../../../../functions/core/model-package.ts';
import { ModelSet } from '../../../../functions/core/model-set.ts';
import { difference, type InvokeVersion } from '../../../../functions/core/rollout/golden-examples.ts';
import { type HookStatus, readPackages, runPreTrafficHook } from '../../../../functions/core/rollout/pre-traffic-hook.ts';
import { createHandler } from '../../../../functions/predict/app.ts';
import { lambdaContext, proxyEvent } from '../../../support/events.ts';
import { MODELS, model } from '../../../support/models.ts';

const SERVED = [MODELS.breastCancer, MODELS.wineMlp, MODELS.diabetesCategorical];

/** The real predict handler as "the new version", bound in process: what a Lambda invoke of it would answer. */
async function predictVersion(dirs: readonly string[] = SERVED): Promise<InvokeVersion> {
  const handler = createHandler(new ModelSet(await Promise.all(dirs.map(model))), { maxBodyBytes: 64 * 1024 });
  return async (request) => {
    const res = (await handler(proxyEvent(request.method, request.path, { body: request.body }), lambdaContext())) as APIGatewayProxyResult;
    return { statusCode: res.statusCode, body: res.body };
  };
}

/** Runs the hook and records what it reported to CodeDeploy. */
async function run(packages: () => Promise<readonly ModelPackage[]>, invoke: InvokeVersion) {
  const reported: HookStatus[] = [];
  const outcome = await runPreTrafficHook({ packages, invoke, report: async (status) => void reported.push(status) });
  return { outcome, reported };
}

const clone = <T>(value: T): T => structuredClone(value);

describe('the pre-traffic hook against the real predict handler', () => {
  it('reports Succeeded when the version answers every example of every served model', async () => {
    const packages = await readPackages(SERVED);
    const { outcome, reported } = await run(async () => packages, await predictVersion());
    expect(outcome).toEqual({ status: 'Succeeded', checked: packages.reduce((n, p) => n + p.examples.length, 0), failures: [] });
    expect(outcome.checked).toBeGreaterThanOrEqual(6);
    expect(reported).toEqual(['Succeeded']);
  });

  it('reports Failed naming the model, version, example and field when an expected label was altered', async () => {
    const [breastCancer] = await readPackages([MODELS.breastCancer]);
    const altered = clone(breastCancer!);
    const prediction = altered.examples[1]!.prediction as { label: string };
    const label = prediction.label;
    prediction.label = label === 'benign' ? 'malignant' : 'benign';
    const { outcome, reported } = await run(async () => [altered], await predictVersion());
    expect(reported).toEqual(['Failed']);
    expect(outcome.failures).toEqual([
      { model: 'breast-cancer', version: '1.0.0', example: 1, reason: `prediction.label: expected "${prediction.label}", got "${label}"` },
    ]);
  });

  it('tolerates float32 rounding (1e-7 relative) but not a changed probability (1e-5)', async () => {
    const [breastCancer] = await readPackages([MODELS.breastCancer]);
    const nudge = (factor: number) => {
      const pkg = clone(breastCancer!);
      const prediction = pkg.examples[0]!.prediction as { probability: number };
      prediction.probability *= factor;
      return pkg;
    };
    const invoke = await predictVersion();
    expect((await run(async () => [nudge(1 + 1e-7)], invoke)).outcome.status).toBe('Succeeded');
    const { outcome } = await run(async () => [nudge(1 + 1e-5)], invoke);
    expect(outcome.status).toBe('Failed');
    expect(outcome.failures[0]).toMatchObject({ model: 'breast-cancer', example: 0, reason: expect.stringMatching(/^prediction\.probability: expected/) });
  });

  it('reports Failed when the version serves another model version than the package', async () => {
    const [breastCancer] = await readPackages([MODELS.breastCancer]);
    const next = { ...clone(breastCancer!), version: '1.1.0' };
    const { outcome } = await run(async () => [next], await predictVersion());
    expect(outcome.status).toBe('Failed');
    expect(outcome.failures[0]!.reason).toBe('served {"name":"breast-cancer","version":"1.0.0"} instead of breast-cancer 1.1.0');
  });

  it('reports Failed with the HTTP answer when the version does not serve the model', async () => {
    const packages = await readPackages([MODELS.breastCancer, MODELS.wineMlp]);
    const { outcome } = await run(async () => packages, await predictVersion([MODELS.breastCancer]));
    expect(outcome.status).toBe('Failed');
    expect(outcome.failures.length).toBe(packages[1]!.examples.length);
    expect(outcome.failures[0]).toMatchObject({ model: packages[1]!.name, example: 0, reason: expect.stringMatching(/^answered 404: .*unknown model/) });
  });

  it('reports Failed when invoking the version fails (crash, timeout, init error)', async () => {
    const packages = await readPackages([MODELS.breastCancer]);
    const { outcome, reported } = await run(async () => packages, async () => {
      throw new Error('Runtime.ExitError: init failed');
    });
    expect(reported).toEqual(['Failed']);
    expect(outcome.failures.map((f) => f.reason)).toEqual(packages[0]!.examples.map(() => 'invocation failed: Runtime.ExitError: init failed'));
  });

  it('still reports Failed when the packages cannot be read, so CodeDeploy does not wait an hour', async () => {
    const { outcome, reported } = await run(() => readPackages(['/nonexistent/model/1.0.0']), await predictVersion());
    expect(reported).toEqual(['Failed']);
    expect(outcome).toMatchObject({ status: 'Failed', checked: 0, error: expect.stringContaining('/nonexistent/model/1.0.0') });
  });

  it('reports Failed when there is nothing to check', async () => {
    const { outcome } = await run(async () => [], await predictVersion());
    expect(outcome.status).toBe('Failed');
  });
});

describe('difference', () => {
  it('compares labels and structure exactly and numbers within 1e-6 (relative, absolute below 1)', () => {
    expect(difference({ label: 'a', p: [0.5, 2] }, { label: 'a', p: [0.5000001, 2.000001] }, 'x')).toBeUndefined();
    expect(difference({ label: 'a' }, { label: 'b' }, 'x')).toBe('x.label: expected "a", got "b"');
    expect(difference([1, 2], [1], 'x')).toBe('x: expected [1,2], got [1]');
    expect(difference({ a: 1 }, { a: 1, b: 2 }, 'x')).toBe('x: unexpected "b" in {"a":1,"b":2}');
    expect(difference({ a: 1 }, {}, 'x')).toBe('x.a: expected 1, got undefined');
    expect(difference(1000, 1000.01, 'v')).toBe('v: expected 1000, got 1000.01');
    expect(difference(1e-9, 3e-9, 'v')).toBeUndefined();
    expect(difference(1, '1', 'v')).toBe('v: expected 1, got "1"');
    expect(difference(null, null, 'v')).toBeUndefined();
  });
});
