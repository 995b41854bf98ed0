/**
 * The S3 client and the boot check. Custom endpoints and path-style addressing make MinIO, Ceph,
 * R2, Garage and SeaweedFS work; credentials are static when configured, otherwise the SDK's usual
 * chain (AWS_ACCESS_KEY_ID, profiles, instance roles).
 */
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface S3ConnectionOptions {
  bucket: string;
  /** e.g. http://127.0.0.1:9000; absent: AWS S3 of the region. */
  endpoint?: string;
  /** Absent: the SDK's chain (AWS_REGION, profile). */
  region?: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export class S3BucketError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'S3BucketError';
  }
}

export function createS3Client(options: S3ConnectionOptions): S3Client {
  return new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    forcePathStyle: options.forcePathStyle,
    // The SDK's default CRC32 checksums on every request (and `x-amz-checksum-mode` in presigned
    // GETs) are refused or mishandled by several S3-compatible servers: only where an operation
    // requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // requestTimeout is the socket's idle time, not a cap on a long transfer: a server that stops
    // answering mid-request fails the call instead of holding it forever.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
  });
}

/** Where the bucket is, for messages: the endpoint, or AWS S3 and its region. */
export function describeBucket(options: S3ConnectionOptions): string {
  const where = options.endpoint ?? `AWS S3${options.region ? ` (${options.region})` : ''}`;
  return `bucket "${options.bucket}" at ${where}`;
}

/** The SDK error as one line: its name, HTTP status and message, never a stack. */
export function describeS3Error(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const message = e?.message && e.message !== 'UnknownError' ? e.message : '';
  return [e?.code ?? e?.name ?? 'Error', status ? `HTTP ${status}` : '', message].filter(Boolean).join(': ');
}

/** The bucket must exist and be ours to use: one clear message at boot instead of failed tasks later. */
export async function checkBucket(client: S3Client, options: S3ConnectionOptions): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: options.bucket }));
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const why =
      status === 404
        ? 'does not exist; create it first'
        : status === 403
          ? 'refuses these credentials'
          : status === 301
            ? 'is in another region; set the region'
            : `is not reachable (${describeS3Error(error)})`;
    throw new S3BucketError(`${describeBucket(options)} ${why}`, { cause: error });
  }
}
