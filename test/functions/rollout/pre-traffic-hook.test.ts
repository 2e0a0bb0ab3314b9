import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelSet } from '../../../functions/core/model-set.ts';
import { createHandler } from '../../../functions/predict/app.ts';
import { lambdaContext } from '../../support/events.ts';
import { MODELS, model } from '../../support/models.ts';

// aws-sdk-client-mock: no emulator here speaks CodeDeploy lifecycle hooks, and moto's Lambda needs Docker.
const lambda = mockClient(LambdaClient);
const codedeploy = mockClient(CodeDeployClient);
const VERSION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:Predict:7';
const event = { DeploymentId: 'd-ABCDEF123', LifecycleEventHookExecutionId: 'hook-execution-1' };

let hook: (event: unknown, context: unknown) => Promise<{ status: string; failures: { model: string; reason: string }[] }>;
let predict: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  Object.assign(process.env, { AWS_REGION: 'eu-west-1', TARGET_VERSION_ARN: VERSION_ARN, MODEL_PACKAGES: JSON.stringify([MODELS.breastCancer, MODELS.wineMlp]) });
  const handler = createHandler(new ModelSet(await Promise.all([MODELS.breastCancer, MODELS.wineMlp].map(model))), { maxBodyBytes: 64 * 1024 });
  predict = async (e) => (await handler(e, lambdaContext())) as APIGatewayProxyResult;
  ({ handler: hook } = (await import('../../../functions/rollout/pre-traffic-hook.ts')) as never);
});

beforeEach(() => {
  lambda.reset();
  codedeploy.reset();
  codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({ lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId });
});

/** Lambda Invoke answered by the real predict handler, as the new version would answer it; `alter` may change an answer. */
function invokeThroughPredict(alter: (res: APIGatewayProxyResult, call: number) => APIGatewayProxyResult = (res) => res): APIGatewayProxyEvent[] {
  const seen: APIGatewayProxyEvent[] = [];
  lambda.on(InvokeCommand).callsFake(async (input: { Payload: Uint8Array | string }) => {
    const payload = typeof input.Payload === 'string' ? input.Payload : new TextDecoder().decode(input.Payload);
    const proxy = JSON.parse(payload) as APIGatewayProxyEvent;
    seen.push(proxy);
    return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(alter(await predict(proxy), seen.length - 1))) };
  });
  return seen;
}

const reported = () => codedeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand).map((c) => c.args[0].input);

describe('the pre-traffic hook handler', () => {
  it('invokes the target version with API Gateway proxy events of every example and reports Succeeded', async () => {
    const seen = invokeThroughPredict();
    const outcome = await hook(event, lambdaContext());
    expect(outcome.status).toBe('Succeeded');
    const invokes = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(invokes.length).toBeGreaterThanOrEqual(4);
    for (const input of invokes) expect(input).toMatchObject({ FunctionName: VERSION_ARN });
    expect(new Set(seen.map((e) => `${e.httpMethod} ${e.path}`))).toEqual(new Set(['POST /models/breast-cancer/predict', 'POST /models/wine-mlp/predict']));
    expect(JSON.parse(seen[0]!.body!)).toEqual({ instances: [expect.any(Object)] });
    expect(reported()).toEqual([{ deploymentId: 'd-ABCDEF123', lifecycleEventHookExecutionId: 'hook-execution-1', status: 'Succeeded' }]);
  });

  it('reports Failed when the version fails (FunctionError), naming the model', async () => {
    const Payload = new TextEncoder().encode('{"errorType":"Runtime.ExitError","errorMessage":"cannot load model"}');
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: Payload as never });
    const outcome = await hook(event, lambdaContext());
    expect(outcome.status).toBe('Failed');
    expect(outcome.failures[0]).toMatchObject({ model: 'breast-cancer', reason: expect.stringContaining(`${VERSION_ARN} failed (Unhandled): {"errorType":"Runtime.ExitError"`) });
    expect(reported()).toEqual([{ deploymentId: 'd-ABCDEF123', lifecycleEventHookExecutionId: 'hook-execution-1', status: 'Failed' }]);
  });

  it('reports Failed when the version answers a wrong prediction', async () => {
    // The first answer (breast-cancer's first example) loses its probabilities.
    invokeThroughPredict((res, call) => {
      if (call !== 0) return res;
      const body = JSON.parse(res.body) as { predictions: { label: string }[] };
      return { ...res, body: JSON.stringify({ ...body, predictions: [{ label: body.predictions[0]!.label }] }) };
    });
    const outcome = await hook(event, lambdaContext());
    expect(outcome.status).toBe('Failed');
    expect(outcome.failures).toEqual([{ model: 'breast-cancer', version: '1.0.0', example: 0, reason: expect.stringMatching(/^prediction\.probability: expected 0\.98\d+, got undefined$/) }]);
    expect(reported().map((r) => r.status)).toEqual(['Failed']);
  });

  it('rejects an event that is not a CodeDeploy lifecycle hook, reporting nothing', async () => {
    await expect(hook({ DeploymentId: 'd-1' }, lambdaContext())).rejects.toThrow('invalid event: LifecycleEventHookExecutionId');
    expect(reported()).toEqual([]);
  });
});
