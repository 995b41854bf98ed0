/**
 * The BlobStore conformance suite against the S3 store, on moto started for this file (or the
 * server named by VIDFORGE_TEST_S3_ENDPOINT), with a bucket per test. Listing pages by two keys so
 * that paging is exercised.
 */
import { afterAll, beforeAll } from 'vitest';
import { PRESIGN_MAX_SECONDS } from '../../src/adapters/blob-s3/index.ts';
import { blobStoreSuite } from '../conformance/blob-store.suite.ts';
import { openTestS3BlobStore, s3UrlExpiry, startTestS3, type TestS3 } from '../support/s3-server.ts';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(() => s3?.stop());

blobStoreSuite(
  's3',
  async () => {
    const store = openTestS3BlobStore(s3, await s3.createBucket(), { listPageSize: 2 });
    return { blobs: store, cleanup: async () => store.close() };
  },
  {
    maxUrlTtlMs: PRESIGN_MAX_SECONDS * 1000,
    urlExpiry: s3UrlExpiry,
    // Known only once the server is chosen; moto checks no presigned URL.
    refusesExpiredUrls: Boolean(process.env.VIDFORGE_TEST_S3_ENDPOINT),
  },
);
