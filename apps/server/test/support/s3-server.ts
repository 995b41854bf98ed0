/**
 * An S3-compatible server for tests. By default moto's standalone server (a real HTTP implementation
 * of the S3 API), started on a free loopback port by the test file that needs it and stopped after.
 * With VIDFORGE_TEST_S3_ENDPOINT set, the tests use that server instead (MinIO, Ceph, …; see
 * docs/fleet.md). Every caller works in buckets of its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { createS3BlobStore, type S3BlobStore } from '../../src/adapters/blob-s3/index.ts';
import { createS3Client } from '../../src/adapters/blob-s3/s3-client.ts';
import { findOnPath } from '../../src/modules/media/media-process.ts';
import { systemClock } from '../../src/ports/clock.ts';

export interface TestS3 {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * Whether the server refuses presigned URLs once expired. moto checks no presigned signature or
   * expiry; MinIO and AWS do.
   */
  refusesExpiredUrls: boolean;
  /** A new empty bucket; removed, with its objects, by stop(). */
  createBucket(): Promise<string>;
  /** Kills the server abruptly, for tests of an S3 that goes away (only a moto of its own). */
  kill(): void;
  stop(): Promise<void>;
}

const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
export const INSTALL_HINT = 'run scripts/install-test-tools (it installs moto into .venv-test-tools/)';

/** moto_server from VIDFORGE_TEST_MOTO_SERVER, the repo's test-tools venv, or PATH. */
export function findMotoServer(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.VIDFORGE_TEST_MOTO_SERVER,
    join(REPO_ROOT, '.venv-test-tools/bin/moto_server'),
    'moto_server',
  ];
  for (const candidate of candidates) {
    const found = candidate ? findOnPath(candidate) : null;
    if (found) return found;
  }
  // Never a skip: a suite that silently does not run hides the regressions it exists to catch.
  throw new Error(
    `moto_server was not found (VIDFORGE_TEST_MOTO_SERVER, .venv-test-tools/bin, PATH): ${INSTALL_HINT}, ` +
      'or point the tests at another S3 server with VIDFORGE_TEST_S3_ENDPOINT',
  );
}

/** `killable`: always a moto of its own, even when the other tests use an external server. */
export async function startTestS3(options: { killable?: boolean } = {}): Promise<TestS3> {
  const env = process.env;
  if (env.VIDFORGE_TEST_S3_ENDPOINT && !options.killable) {
    return withBuckets({
      endpoint: env.VIDFORGE_TEST_S3_ENDPOINT,
      region: env.VIDFORGE_TEST_S3_REGION ?? 'us-east-1',
      credentials: {
        accessKeyId: env.VIDFORGE_TEST_S3_ACCESS_KEY_ID ?? 'minioadmin',
        secretAccessKey: env.VIDFORGE_TEST_S3_SECRET_ACCESS_KEY ?? 'minioadmin',
      },
      refusesExpiredUrls: true,
      kill() {
        throw new Error("an external S3 server is not the tests' to kill");
      },
      async shutdown() {},
    });
  }
  const child = spawn(findMotoServer(env), ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await listeningPort(child);
  return withBuckets({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'vidforge-test', secretAccessKey: 'vidforge-test-secret' },
    refusesExpiredUrls: false,
    kill: () => child.kill('SIGKILL'),
    async shutdown() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  });
}

/** moto prints "Running on http://127.0.0.1:PORT" once it listens (port 0 lets it pick a free one). */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolvePort, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`moto_server did not start within 30 s:\n${output}`)), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`moto_server exited (${code}) before listening:\n${output}`)));
  });
}

function withBuckets(server: Omit<TestS3, 'createBucket' | 'stop'> & { shutdown(): Promise<void> }): TestS3 {
  const client = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: server.credentials,
    forcePathStyle: true,
  });
  const buckets: string[] = [];
  return {
    endpoint: server.endpoint,
    region: server.region,
    credentials: server.credentials,
    refusesExpiredUrls: server.refusesExpiredUrls,
    kill: server.kill,
    async createBucket() {
      const bucket = `vidforge-test-${randomBytes(6).toString('hex')}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      buckets.push(bucket);
      return bucket;
    },
    async stop() {
      try {
        for (const bucket of buckets) await removeBucket(client, bucket).catch(() => {});
      } finally {
        client.destroy();
        await server.shutdown();
      }
    },
  };
}

async function removeBucket(client: S3Client, Bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket }));
    const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key! }));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket }));
}

/** The expiry a presigned URL states: X-Amz-Date plus X-Amz-Expires seconds. */
export function s3UrlExpiry(url: string): number {
  const params = new URL(url).searchParams;
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(params.get('X-Amz-Date') ?? '');
  if (!date) throw new Error(`not a presigned URL: ${url}`);
  const [, y, mo, d, h, mi, s] = date.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) + Number(params.get('X-Amz-Expires')) * 1000;
}

/** The settings of a server (or fleet process) that keeps its results in `bucket`. */
export function s3Env(s3: TestS3, bucket: string): Record<string, string> {
  return {
    VIDFORGE_S3_BUCKET: bucket,
    VIDFORGE_S3_ENDPOINT: s3.endpoint,
    VIDFORGE_S3_REGION: s3.region,
    VIDFORGE_S3_FORCE_PATH_STYLE: 'true',
    VIDFORGE_S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    VIDFORGE_S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  };
}

/** A blob store on `bucket`, the test's own view of what a server stores there (5 MiB parts, S3's least). */
export function openTestS3BlobStore(s3: TestS3, bucket: string, extra: { listPageSize?: number } = {}): S3BlobStore {
  const options = {
    bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: s3.credentials,
    partSizeBytes: 5 * 1024 * 1024,
    clock: systemClock,
    ...extra,
  };
  return createS3BlobStore(createS3Client(options), options);
}
