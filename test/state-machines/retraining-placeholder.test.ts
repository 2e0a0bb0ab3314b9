import { Template } from 'aws-cdk-lib/assertions';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { RetrainingPlaceholder } from '../../lib/retraining-trigger.ts';
import { unbundledStack } from '../lib/cdk.ts';
import { definitionOf } from './definition.ts';

/** The placeholder's synthesized definition, run locally: it holds the retraining input contract. */
function placeholder() {
  const stack = unbundledStack();
  new RetrainingPlaceholder(stack, 'Retraining');
  return new StateMachine(definitionOf(Template.fromStack(stack)) as never);
}

const request = {
  model: 'breast-cancer',
  version: '1.0.0',
  reason: 'drift',
  driftReport: 's3://monitoring/drift-reports/breast-cancer/1.0.0/2026-11-23T00-15-00Z.json',
  alarm: 'ServerlessInference-breast-cancer-drift',
};

describe('RetrainingPlaceholder (the retraining input contract)', () => {
  it("accepts the trigger's request and records it as its output", async () => {
    const output = await placeholder().run(request).result;
    expect(output).toEqual(request);
  });

  it.each([
    ['no version', { ...request, version: undefined }],
    ['no drift report (none written yet)', { ...request, driftReport: undefined }],
    ['a drift report that is not an s3:// URI', { ...request, driftReport: 'https://example.com/report.json' }],
    ['a numeric model', { ...request, model: 42 }],
  ])('fails with InvalidRetrainingRequest on %s', async (_, input) => {
    const error = await placeholder().run(JSON.parse(JSON.stringify(input))).result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutionError);
    expect((error as ExecutionError).cause).toMatchObject({ name: 'InvalidRetrainingRequest' });
  });
});
