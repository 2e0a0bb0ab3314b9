import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { InferenceApi, type InferenceApiProps } from '../../lib/inference-api.ts';
import { nagFindings, unbundledStack } from './cdk.ts';

function synth(props: Partial<InferenceApiProps> = {}) {
  const stack = unbundledStack();
  const handler = new LambdaFunction(stack, 'Handler', { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('export const handler = () => ({});') });
  const api = new InferenceApi(stack, 'Api', { handler, ...props });
  return { stack, api, template: Template.fromStack(stack) };
}

const methods = (template: Template) => Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);

describe('InferenceApi', () => {
  it('routes the root and every {proxy+} path, any method, to the handler with Lambda proxy integration', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}' });
    const all = methods(template);
    expect(all).toHaveLength(2);
    for (const method of all) {
      expect(method).toMatchObject({ HttpMethod: 'ANY', Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' } });
      expect(JSON.stringify(method.Integration.Uri)).toContain('Handler');
    }
  });

  it('requires IAM auth on every API method', () => {
    for (const method of methods(synth().template)) expect(method).toMatchObject({ AuthorizationType: 'AWS_IAM' });
  });

  it('lets API Gateway invoke the handler only through this API', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::Lambda::Permission', 2);
    template.allResourcesProperties('AWS::Lambda::Permission', {
      Principal: 'apigateway.amazonaws.com',
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('^Api') })])] },
    });
  });

  it('with API keys, requires a key on every method and meters it with a throttled, quota-bound usage plan', () => {
    const { template } = synth({ auth: 'apiKey', throttling: { rateLimit: 20, burstLimit: 40 }, quota: { limit: 5000, period: 'DAY' } });
    for (const method of methods(template)) expect(method).toMatchObject({ AuthorizationType: 'NONE', ApiKeyRequired: true });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 20, BurstLimit: 40 },
      Quota: { Limit: 5000, Period: 'DAY' },
      ApiStages: [{ Stage: { Ref: Match.stringLikeRegexp('DeploymentStage') } }],
    });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
  });

  it('has no usage plan or key with IAM auth', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
  });

  it('throttles, traces and logs the stage (errors only, never request bodies), 100 rps with bursts of 200 by default', () => {
    synth().template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      MethodSettings: [
        { HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true },
      ],
    });
  });

  it('writes JSON access logs naming request, caller, status and latencies to a log group kept 90 days', () => {
    const { template } = synth();
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0]!.Properties;
    const format = JSON.parse(stage.AccessLogSetting.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      caller: '$context.identity.caller',
      status: '$context.status',
      responseLatency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
    });
    expect(JSON.stringify(stage.AccessLogSetting.DestinationArn)).toContain('ApiAccessLogs');
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('keeps the execution logs API Gateway writes for the same retention instead of forever', () => {
    const { template } = synth({ accessLogRetention: RetentionDays.TWO_WEEKS });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: Match.stringLikeRegexp('^Api') }, '/prod']] },
      RetentionInDays: 14,
    });
    template.hasResource('AWS::ApiGateway::Stage', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('ExecutionLogs')]) });
  });

  it('answers gateway errors (4xx and 5xx) with the same JSON shape as the handler', () => {
    const { template } = synth();
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseTemplates: { 'application/json': '{"error":$context.error.messageString,"issues":[]}' },
      });
    }
  });

  it('sets the account CloudWatch role that logging needs, unless told another stack does', () => {
    synth().template.resourceCountIs('AWS::ApiGateway::Account', 1);
    synth({ cloudWatchRole: false }).template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('is a regional endpoint', () => {
    synth().template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
  });

  it.each([
    ['IAM auth', {}],
    ['API keys', { auth: 'apiKey' }],
    ['no CloudWatch role', { cloudWatchRole: false }],
  ] as const)('passes cdk-nag AwsSolutions with %s (the stub handler aside)', (_, props) => {
    expect(nagFindings(synth(props).api)).toEqual([]);
  });

  it.each([
    ['auth', { auth: 'cognito' }, "auth must be 'iam' or 'apiKey', got cognito"],
    ['quota', { quota: { limit: 1, period: 'DAY' } }, "quota only applies with auth 'apiKey'"],
    ['throttling.rateLimit', { throttling: { rateLimit: 0 } }, 'throttling.rateLimit must be an integer between 1 and 100000, got 0'],
    ['accessLogRetention', { accessLogRetention: 2 }, 'accessLogRetention must be one of 1, 3, 5'],
  ])('rejects an invalid %s, naming it', (_, props, message) => {
    expect(() => synth(props as Partial<InferenceApiProps>)).toThrow(message);
  });
});
