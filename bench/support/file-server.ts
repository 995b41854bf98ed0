/**
 * A loopback HTTP server for source media, standing in for the public web the server would fetch
 * from (the bench adds it to VIDFORGE_FETCH_ALLOW). Streams files; no Range, no caching headers.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { basename, join } from 'node:path';

export interface FileServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** For VIDFORGE_FETCH_ALLOW. */
  hostPort: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { mp4: 'video/mp4', png: 'image/png', jpg: 'image/jpeg' };

export async function serveFiles(dir: string): Promise<FileServer> {
  const server: Server = createServer(async (req, res) => {
    const name = basename(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    try {
      const path = join(dir, name);
      const { size } = await stat(path);
      res.writeHead(200, {
        'content-type': TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream',
        'content-length': size,
      });
      createReadStream(path).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
