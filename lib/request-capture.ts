import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { CaptureConfig } from './config.ts';
import { acknowledgeWildcardResources } from './nag.ts';

/** Where and how a serving function (predict, SageMaker invoke) captures sampled requests. */
export interface RequestCapture {
  /** The bucket captures are written to. */
  readonly bucket: IBucket;
  /** Key prefix, without a trailing '/': captures go to `<prefix>/<model>/<version>/dt=.../hr=.../*.jsonl`. */
  readonly prefix: string;
  /** Share of requests captured, 0 to 1. @default 0.1 */
  readonly sampleRate?: number;
  /** Captured features: one list, or a list per model name. @default - every feature */
  readonly features?: CaptureConfig['features'];
}

/** The capture settings a serving function reads (functions/shared/settings.ts), checked; none without capture. */
export function captureEnvironment(capture: RequestCapture | undefined): Record<string, string> {
  if (!capture) return {};
  const sampleRate = capture.sampleRate ?? 0.1;
  if (!(sampleRate >= 0 && sampleRate <= 1)) throw new Error(`capture.sampleRate must be a number between 0 and 1, got ${sampleRate}`);
  if (!/^[A-Za-z0-9!_.'()-]+(?:\/[A-Za-z0-9!_.'()-]+)*$/.test(capture.prefix)) {
    throw new Error(`capture.prefix must be a key prefix without leading or trailing '/', got ${JSON.stringify(capture.prefix)}`);
  }
  return {
    CAPTURE_URI: `s3://${capture.bucket.bucketName}/${capture.prefix}`,
    CAPTURE_SAMPLE_RATE: String(sampleRate),
    ...(capture.features !== undefined && { CAPTURE_FEATURES: JSON.stringify(capture.features) }),
  };
}

/** Lets a role write, and nothing else, under the capture prefix: no read, list or delete. */
export function grantCapture(role: Role, capture: RequestCapture): void {
  const objects = capture.bucket.arnForObjects(`${capture.prefix}/*`);
  role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] }));
  capture.bucket.encryptionKey?.grant(role, 'kms:GenerateDataKey');
  acknowledgeWildcardResources(role, [objects], 'The function writes sampled requests as new objects under the capture prefix only, one key per flush.');
}
