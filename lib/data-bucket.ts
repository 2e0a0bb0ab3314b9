import { Duration, Validations } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { checkInteger, LIMITS } from './config.ts';

/** Days after which S3 aborts a multipart upload that was never completed. */
export const INCOMPLETE_UPLOAD_DAYS = 7;

export interface DataBucketProps {
  /** `kms`: a customer-managed key with rotation; `s3-managed`: SSE-S3. @default 's3-managed' */
  readonly encryption?: 'kms' | 's3-managed';
  /** Keep previous object versions. @default false */
  readonly versioned?: boolean;
  /** Days server access logs are kept. @default 90 */
  readonly accessLogsExpirationDays?: number;
}

/**
 * A private, encrypted, SSL-only bucket for batch inputs and outputs, with its server access logs
 * in a second bucket and abandoned multipart uploads aborted after INCOMPLETE_UPLOAD_DAYS. Both are
 * retained when the stack is deleted: they hold data, not config.
 */
export class DataBucket extends Construct {
  readonly bucket: Bucket;
  readonly logsBucket: Bucket;

  constructor(scope: Construct, id: string, props: DataBucketProps = {}) {
    super(scope, id);
    checkInteger('accessLogsExpirationDays', props.accessLogsExpirationDays, LIMITS.accessLogsExpirationDays);

    this.logsBucket = new Bucket(this, 'AccessLogs', {
      // Server access log delivery supports SSE-S3 only, never SSE-KMS.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogsExpirationDays ?? 90) }],
    });
    Validations.of(this.logsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging its own accesses into itself would loop.',
    });

    const kms = props.encryption === 'kms';
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: kms ? BucketEncryption.KMS : BucketEncryption.S3_MANAGED,
      encryptionKey: kms ? new Key(this, 'Key', { enableKeyRotation: true, description: 'Batch scoring data' }) : undefined,
      // One KMS request per object instead of one per read or write: workers touch many objects.
      bucketKeyEnabled: kms || undefined,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.versioned ?? false,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 'data/',
      // A worker stopped mid-upload (a Lambda timeout, a killed CLI) leaves parts no listing shows and
      // S3 bills until they are aborted; no upload of ours lives a week.
      lifecycleRules: [{ id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(INCOMPLETE_UPLOAD_DAYS) }],
    });
  }
}
