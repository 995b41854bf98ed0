/**
 * The BlobStore conformance suite against the local-directory store. Its URLs are the API's signed
 * media URLs, so the fixture serves them with the real media route; the route's task lookup answers
 * that every result key belongs to a live, successful task (retention is media-url.test.ts's part).
 */
import Fastify from 'fastify';
import { createFsBlobStore } from '../../src/adapters/blob-fs/index.ts';
import { createLocalMediaUrls } from '../../src/modules/results/local-media-urls.ts';
import { registerMediaRoutes } from '../../src/modules/results/media.routes.ts';
import { createUrlSigner } from '../../src/modules/results/url-signer.ts';
import { systemClock } from '../../src/ports/clock.ts';
import type { TaskRecord } from '../../src/ports/task-ledger.ts';
import { blobStoreSuite } from '../conformance/blob-store.suite.ts';
import { tempDir } from '../support/temp-dir.ts';

const MAX_TTL_MS = 60 * 60_000;

blobStoreSuite(
  'fs',
  async () => {
    const dir = await tempDir('vidforge-blobs-');
    const signer = createUrlSigner({ secrets: { k1: 'conformance-secret' }, currentKid: 'k1', maxTtlMs: MAX_TTL_MS });
    let origin = '';
    const blobs = createFsBlobStore(dir.path, {
      urlFor: createLocalMediaUrls({ signer, publicUrl: () => origin, clock: systemClock }),
    });
    const liveResult = (id: string) =>
      ({
        id,
        status: 'SUCCESS',
        outputKey: `results/${id}.mp4`,
        resultDeletedAt: null,
        retainUntil: null,
      }) as TaskRecord;
    // Cleanup must not wait on a client's keep-alive socket.
    const app = Fastify({ forceCloseConnections: true });
    registerMediaRoutes(app, { tasks: { get: async (id) => liveResult(id) }, blobs, signer, clock: systemClock });
    origin = await app.listen({ host: '127.0.0.1', port: 0 });
    return {
      blobs,
      async cleanup() {
        await app.close();
        await dir.remove();
      },
    };
  },
  {
    maxUrlTtlMs: MAX_TTL_MS,
    urlExpiry: (url) => Number(new URL(url).searchParams.get('exp')),
    refusesExpiredUrls: true,
  },
);
