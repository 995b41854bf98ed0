export { BLOB_KEY_MAX, blobKeySegments, InvalidBlobKeyError } from './blob-key.ts';
export { createFsBlobStore } from './fs-blob-store.ts';
