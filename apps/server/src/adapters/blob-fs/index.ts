export { BLOB_KEY_MAX, blobKeySegments, InvalidBlobKeyError } from '../blob-key.ts';
export { createFsBlobStore, type FsBlobStoreOptions } from './fs-blob-store.ts';
