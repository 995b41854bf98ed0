/**
 * `node bench/profile-summary.ts FILE.cpuprofile [--top=N]`: the hot spots of a --cpu-prof profile
 * (as written by `npm run bench -- --profile`): self time by function, inclusive time of our own
 * functions, and self time by package, each as a share of the busy (non-idle) time.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/(apps|packages|bench)\//, '$1/');
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

/** node:internal, a package name, our source folder, or V8's own pseudo-frames. */
function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node core';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(apps\/[^/]+\/src\/[^/]+(?:\/[^/.]+)?|packages\/[^/]+)/.exec(url);
  return ours ? ours[1]! : url;
}

export function summarizeProfile(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idle += delta;
      return;
    }
    busy += delta;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + delta);
    areas.set(areaOf(node), (areas.get(areaOf(node)) ?? 0) + delta);
    // Each frame once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      if (!/\/(apps|packages)\/[^/]+\/src\//.test(frame.callFrame.url)) continue;
      const key = frameName(frame);
      if (!seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + delta);
      }
    }
  });
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
  const list = (title: string, map: Map<string, number>, n: number) =>
    [
      title,
      ...[...map.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([name, us]) => `  ${pct(us)}  ${name}`),
    ].join('\n');
  return [
    `busy ${(busy / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s`,
    list('self time by package or area:', areas, 15),
    list('self time by function:', self, top),
    list('inclusive time, our code (apps/, packages/):', inclusive, top),
  ].join('\n\n');
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string' } }, allowPositionals: true });
  for (const file of positionals) {
    console.log(`== ${file}\n${summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), Number(values.top ?? 25))}\n`);
  }
}
