import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import type { VersionRequest, VersionResponse } from '../core/rollout/golden-examples.ts';
import { readPackages, runPreTrafficHook } from '../core/rollout/pre-traffic-hook.ts';
import { parse } from '../shared/parse.ts';
import { jsonStringList } from '../shared/settings.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { step } from '../shared/step.ts';

const Env = z.object({
  /** The version CodeDeploy is about to shift traffic to: the predict function's `currentVersion`, qualified. */
  TARGET_VERSION_ARN: z.string().regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+:\d+$/, 'a qualified Lambda version ARN'),
  /** JSON array of model package folders (model.json only, in this asset) or s3:// URIs. */
  MODEL_PACKAGES: jsonStringList('MODEL_PACKAGES'),
});

/** CodeDeploy's lifecycle hook event. */
const HookEvent = z.object({ DeploymentId: z.string().min(1), LifecycleEventHookExecutionId: z.string().min(1) });

const env = parse(Env, process.env, 'environment');
const lambda = new LambdaClient({});
const codedeploy = new CodeDeployClient({});

/** The request as API Gateway's REST proxy integration would pass it, so the version runs its real route. */
export function proxyEvent(request: VersionRequest, requestId: string) {
  return {
    resource: '/{proxy+}',
    path: request.path,
    httpMethod: request.method,
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'pre-traffic-hook', 'X-Model-Version': request.modelVersion },
    multiValueHeaders: { 'Content-Type': ['application/json'], 'User-Agent': ['pre-traffic-hook'], 'X-Model-Version': [request.modelVersion] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: request.path.slice(1) },
    stageVariables: null,
    body: request.body,
    isBase64Encoded: false,
    requestContext: { requestId, httpMethod: request.method, path: request.path, resourcePath: '/{proxy+}', stage: 'pre-traffic-hook', identity: { sourceIp: '127.0.0.1' } },
  };
}

async function invokeVersion(request: VersionRequest, requestId: string): Promise<VersionResponse> {
  const res = await lambda.send(new InvokeCommand({ FunctionName: env.TARGET_VERSION_ARN, Payload: JSON.stringify(proxyEvent(request, requestId)) }));
  const payload = res.Payload ? new TextDecoder().decode(res.Payload) : '';
  if (res.FunctionError) throw new Error(`${env.TARGET_VERSION_ARN} failed (${res.FunctionError}): ${payload.slice(0, 1000)}`);
  const answer = JSON.parse(payload) as Partial<VersionResponse>;
  if (typeof answer.statusCode !== 'number' || typeof answer.body !== 'string') throw new Error(`${env.TARGET_VERSION_ARN} answered no proxy response: ${payload.slice(0, 500)}`);
  return { statusCode: answer.statusCode, body: answer.body };
}

/** CodeDeploy's BeforeAllowTraffic hook: the new version must answer every model.json example before any traffic moves. */
export const handler = step(async (event: unknown) => {
  const { DeploymentId, LifecycleEventHookExecutionId } = parse(HookEvent, event);
  let requests = 0;
  const outcome = await runPreTrafficHook({
    packages: () => readPackages(env.MODEL_PACKAGES),
    invoke: (request) => invokeVersion(request, `${DeploymentId}-${++requests}`),
    report: async (status) => {
      await codedeploy.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId: DeploymentId, lifecycleEventHookExecutionId: LifecycleEventHookExecutionId, status }));
    },
  });
  const context = { deploymentId: DeploymentId, version: env.TARGET_VERSION_ARN, status: outcome.status, checked: outcome.checked };
  if (outcome.status === 'Succeeded') logger.info('pre-traffic hook passed', context);
  else logger.error('pre-traffic hook failed', { ...context, failures: outcome.failures, error: outcome.error });
  metrics.addMetric(outcome.status === 'Succeeded' ? 'PreTrafficHookSucceeded' : 'PreTrafficHookFailed', MetricUnit.Count, 1);
  return outcome;
});
