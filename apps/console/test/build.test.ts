/** The committed bundle in public/ is exactly what the sources build to, and the build is reproducible. */
import { describe, expect, it } from 'vitest';
import { buildConsole, compareWithPublic } from '../scripts/build.ts';

describe('console build', () => {
  it('is reproducible and matches the committed public/ (else: npm run build)', async () => {
    const [first, second] = await Promise.all([buildConsole(), buildConsole()]);
    expect(second.map((f) => [f.path, Buffer.from(f.contents).toString('base64')])).toEqual(
      first.map((f) => [f.path, Buffer.from(f.contents).toString('base64')]),
    );
    expect(await compareWithPublic(first)).toEqual([]);
  });

  it('names assets by content hash and links them from index.html', async () => {
    const files = await buildConsole();
    const paths = files.map((f) => f.path);
    expect(paths).toEqual([
      expect.stringMatching(/^assets\/app-[0-9a-f]{10}\.css$/),
      expect.stringMatching(/^assets\/app-[0-9a-f]{10}\.js$/),
      expect.stringMatching(/^assets\/icon-[0-9a-f]{10}\.svg$/),
      'index.html',
    ]);
    const html = new TextDecoder().decode(files.find((f) => f.path === 'index.html')!.contents);
    for (const asset of paths.filter((p) => p.startsWith('assets/'))) expect(html).toContain(`"${asset}"`);
    // Nothing inline: the page's CSP allows only its own files.
    expect(html).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/);
  });
});
