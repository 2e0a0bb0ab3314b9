import { Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  ApiKey,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Period,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { checkInteger, checkRetention, LIMITS, type QuotaConfig, type ThrottleConfig } from './config.ts';

export interface InferenceApiProps {
  /** What every request is proxied to: the predict function's `live` alias. */
  readonly handler: IFunction;
  /** `iam`: SigV4-signed requests; `apiKey`: `x-api-key` metered by a usage plan. @default 'iam' */
  readonly auth?: 'iam' | 'apiKey';
  /** Stage throttling, and the usage plan's with `apiKey`. @default { rateLimit: 100, burstLimit: 200 } */
  readonly throttling?: ThrottleConfig;
  /** Usage plan quota per key, with `apiKey`. @default { limit: 1000000, period: 'MONTH' } */
  readonly quota?: QuotaConfig;
  /** Retention of the access logs and the (error-only) execution logs. @default RetentionDays.THREE_MONTHS */
  readonly accessLogRetention?: RetentionDays;
  /** Whether to set API Gateway's account-wide CloudWatch role, which logging needs. @default true */
  readonly cloudWatchRole?: boolean;
  /** Stage name, the first segment of the URL path. @default 'prod' */
  readonly stageName?: string;
}

// The handler's own error shape, so callers parse gateway errors (403, 429, 502...) like the handler's.
// messageString is already a quoted JSON string.
const errorBody = '{"error":$context.error.messageString,"issues":[]}';

/**
 * The HTTPS API: every path and method is proxied to the predict function, which owns routing,
 * so its 404/405/413/415 answers are the same as the local server's.
 */
export class InferenceApi extends Construct {
  readonly api: RestApi;
  readonly accessLogs: LogGroup;
  /** The key callers send in `x-api-key`, with `auth: 'apiKey'`. */
  readonly apiKey?: ApiKey;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: InferenceApiProps,
  ) {
    super(scope, id);
    const auth = props.auth ?? 'iam';
    if (auth !== 'iam' && auth !== 'apiKey') throw new Error(`auth must be 'iam' or 'apiKey', got ${auth}`);
    if (props.quota && auth !== 'apiKey') throw new Error(`quota only applies with auth 'apiKey'`);
    checkInteger('throttling.rateLimit', props.throttling?.rateLimit, LIMITS.rateLimit);
    checkInteger('throttling.burstLimit', props.throttling?.burstLimit, LIMITS.burstLimit);
    checkInteger('quota.limit', props.quota?.limit, LIMITS.quotaLimit);
    checkRetention('accessLogRetention', props.accessLogRetention);
    const throttle = { rateLimit: props.throttling?.rateLimit ?? 100, burstLimit: props.throttling?.burstLimit ?? 200 };
    const stageName = props.stageName ?? 'prod';

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention ?? RetentionDays.THREE_MONTHS });
    this.api = new RestApi(this, 'Api', {
      description: 'Online inference: Open Inference Protocol and {"instances": [...]} predictions',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      cloudWatchRole: props.cloudWatchRole ?? true,
      defaultMethodOptions:
        auth === 'iam' ? { authorizationType: AuthorizationType.IAM } : { authorizationType: AuthorizationType.NONE, apiKeyRequired: true },
      deployOptions: {
        stageName,
        tracingEnabled: true,
        metricsEnabled: true,
        // Errors only, and never request bodies: they carry the callers' feature values.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            traceId: AccessLogField.contextXrayTraceId(),
            ip: AccessLogField.contextIdentitySourceIp(),
            caller: AccessLogField.contextIdentityCaller(),
            userArn: AccessLogField.contextIdentityUserArn(),
            apiKeyId: AccessLogField.contextIdentityApiKeyId(),
            requestTime: AccessLogField.contextRequestTimeEpoch(),
            method: AccessLogField.contextHttpMethod(),
            path: AccessLogField.contextPath(),
            status: AccessLogField.contextStatus(),
            responseLength: AccessLogField.contextResponseLength(),
            responseLatency: AccessLogField.contextResponseLatency(),
            integrationLatency: AccessLogField.contextIntegrationLatency(),
            integrationStatus: AccessLogField.contextIntegrationStatus(),
            error: AccessLogField.contextErrorMessage(),
          }),
        ),
      },
    });

    // API Gateway would create this group itself, without retention, on the first logged error.
    const executionLogs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${stageName}`,
      retention: props.accessLogRetention ?? RetentionDays.THREE_MONTHS,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);

    // No test-invoke permissions: they double the function's resource policy for a console feature.
    const integration = new LambdaIntegration(props.handler, { proxy: true, allowTestInvoke: false });
    this.api.root.addMethod('ANY', integration);
    this.api.root.addProxy({ defaultIntegration: integration, anyMethod: true });

    for (const type of [ResponseType.DEFAULT_4XX, ResponseType.DEFAULT_5XX]) {
      this.api.addGatewayResponse(type.responseType, { type, templates: { 'application/json': errorBody } });
    }

    if (auth === 'apiKey') {
      const quota = props.quota ?? { limit: 1_000_000, period: 'MONTH' };
      const plan = this.api.addUsagePlan('UsagePlan', {
        throttle,
        quota: { limit: quota.limit, period: Period[quota.period] },
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      this.apiKey = new ApiKey(this, 'ApiKey', { description: 'Key for the inference API' });
      plan.addApiKey(this.apiKey);
    }

    this.acknowledge(auth);
  }

  /**
   * Routes `/models/{name}` and `/v2/models/{name}` (and everything under them) of the named models
   * to another handler (the SageMaker invoke function): literal resources, more specific than the
   * `{proxy+}` to the predict function, which keeps every other path (its siblings get their own
   * `{proxy+}` to it, since API Gateway does not fall back from a literal resource to the root's).
   */
  routeModels(names: readonly string[], handler: IFunction): void {
    if (names.length === 0) return;
    const fallback = new LambdaIntegration(this.props.handler, { proxy: true, allowTestInvoke: false });
    const integration = new LambdaIntegration(handler, { proxy: true, allowTestInvoke: false });
    const v2 = this.api.root.addResource('v2');
    v2.addMethod('ANY', fallback);
    v2.addProxy({ defaultIntegration: fallback, anyMethod: true });
    for (const parent of [this.api.root, v2]) {
      const models = parent.addResource('models');
      models.addMethod('ANY', fallback);
      models.addProxy({ defaultIntegration: fallback, anyMethod: true });
      for (const name of names) {
        const model = models.addResource(name);
        model.addMethod('ANY', integration);
        model.addProxy({ defaultIntegration: integration, anyMethod: true });
      }
    }
  }

  private acknowledge(auth: 'iam' | 'apiKey'): void {
    const api = Validations.of(this.api);
    api.acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Requests are proxied whole to the handler, which validates every body against the model schema and answers 4xx naming each problem; a gateway model could only duplicate that, less precisely.',
    });
    api.acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Callers are authenticated and throttled at the stage (and per key with API keys); a WAFv2 web ACL is a per-deployment cost choice left to deployers who expose the API to the internet.',
    });
    api.acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Callers are applications and services, authenticated with IAM SigV4 (or API keys when configured), not end users holding Cognito tokens.',
    });
    if (auth === 'apiKey') {
      api.acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: "The config chose api.auth 'apiKey': every method requires a key of the usage plan, which also throttles and meters it.",
      });
    }
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The AWS-managed policy API Gateway documents for its account-wide logging role; it grants log writes only.',
      });
    }
  }
}
