export { PRESIGN_MAX_SECONDS, presignWindow } from './presign-window.ts';
export {
  createS3BlobStore,
  MIN_PART_SIZE,
  openS3BlobStore,
  S3BlobError,
  type S3BlobStore,
  type S3BlobStoreOptions,
} from './s3-blob-store.ts';
export { S3BucketError } from './s3-client.ts';
