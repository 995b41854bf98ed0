/** The BlobStore conformance suite against the local-directory store. */
import { createFsBlobStore } from '../../src/adapters/blob-fs/index.ts';
import { blobStoreSuite } from '../conformance/blob-store.suite.ts';
import { tempDir } from '../support/temp-dir.ts';

blobStoreSuite('fs', async () => {
  const dir = await tempDir('vidforge-blobs-');
  return { blobs: createFsBlobStore(dir.path), cleanup: () => dir.remove() };
});
