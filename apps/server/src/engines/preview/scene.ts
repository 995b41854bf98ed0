/**
 * The animated scenes of text-to-video: lavfi sources whose kind, colours and motion come from the
 * seeded random stream. Honest motion graphics, no model: they show that the pipeline works and
 * that seed and prompt are honoured, nothing more. Sources that are costly per pixel (fractal,
 * plasma) or meant to look blocky (cellular automata) render small and are scaled up, which keeps
 * an 8 s 720p scene at a few seconds on two cores.
 */
import type { SeededRandom } from './seeded-random.ts';

export const SCENE_KINDS = ['gradients', 'fractal', 'life', 'automaton', 'plasma'] as const;
export type SceneKind = (typeof SCENE_KINDS)[number];

export interface SceneSpec {
  width: number;
  height: number;
  fps: number;
  frames: number;
}

export interface Scene {
  kind: SceneKind;
  /** A filter chain with no input that produces the picture (RGB or YUV, full size). */
  chain: string;
}

/** Places where the Mandelbrot set's boundary stays interesting while zooming in. */
const FRACTAL_POINTS: [number, number][] = [
  [-0.743643887037151, 0.13182590420533],
  [-0.7453, 0.1127],
  [-1.25066, 0.02012],
  [-0.1011, 0.9563],
  [-0.16, 1.0405],
  [-1.7497, 0.0],
  [0.2549, 0.0005],
  [-0.7746806106269039, -0.1374168856037867],
];

const AUTOMATON_RULES = [30, 45, 60, 73, 90, 105, 110, 150, 169, 182, 225];

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
const fixed = (n: number, digits = 4) => Number(n.toFixed(digits)).toString();

export function buildScene(random: SeededRandom, spec: SceneSpec): Scene {
  const kind = random.pick(SCENE_KINDS);
  const size = `${spec.width}x${spec.height}`;
  const upscale = (flags: string) => `scale=${spec.width}:${spec.height}:flags=${flags}`;
  switch (kind) {
    case 'gradients': {
      const count = random.int(2, 6);
      const colors = Array.from({ length: count }, (_, i) => `c${i}=${random.color()}`).join(':');
      const speed = fixed(random.range(0.01, 0.05));
      return {
        kind,
        chain: `gradients=s=${size}:r=${spec.fps}:${colors}:nb_colors=${count}:seed=${random.int(0, 2 ** 31 - 1)}:speed=${speed}`,
      };
    }
    case 'fractal': {
      const [x, y] = random.pick(FRACTAL_POINTS);
      const endScale = fixed(random.range(0.02, 0.4));
      const hueSpeed = fixed(random.range(-40, 40), 1);
      const hue0 = random.int(0, 359);
      return {
        kind,
        chain:
          `mandelbrot=s=${even(spec.width / 2)}x${even(spec.height / 2)}:r=${spec.fps}:maxiter=${random.int(128, 384)}` +
          `:start_x=${x}:start_y=${y}:start_scale=3:end_scale=${endScale}:end_pts=${spec.frames}` +
          `:outer=normalized_iteration_count,${upscale('bicubic')},hue=h=${hue0}+t*${hueSpeed}`,
      };
    }
    case 'life': {
      const cell = random.int(6, 12);
      return {
        kind,
        chain:
          `life=s=${Math.ceil(spec.width / cell)}x${Math.ceil(spec.height / cell)}:r=${spec.fps}` +
          `:ratio=${fixed(random.range(0.08, 0.35))}:mold=${random.int(0, 40)}:seed=${random.int(0, 2 ** 31 - 1)}` +
          `:life_color=${random.color([0.6, 1], [0.55, 0.75])}:death_color=${random.color([0.3, 0.7], [0.08, 0.2])}` +
          `:mold_color=${random.color([0.3, 0.8], [0.2, 0.4])},${upscale('neighbor')}`,
      };
    }
    case 'automaton': {
      const cell = random.int(3, 8);
      const [from, to] = [rgb(random.color([0.4, 0.8], [0.1, 0.25])), rgb(random.color([0.6, 1], [0.55, 0.8]))];
      const channel = (i: number) => `${from[i]}+${to[i]! - from[i]!}*val/255`;
      return {
        kind,
        chain:
          `cellauto=s=${Math.ceil(spec.width / cell)}x${Math.ceil(spec.height / cell)}:r=${spec.fps}` +
          `:rule=${random.pick(AUTOMATON_RULES)}:random_fill_ratio=${fixed(random.range(0.2, 0.8))}` +
          `:seed=${random.int(0, 2 ** 31 - 1)}:scroll=1,format=rgb24,lutrgb=r='${channel(0)}':g='${channel(1)}':b='${channel(2)}',` +
          upscale('neighbor'),
      };
    }
    case 'plasma': {
      const wave = () =>
        `128+127*sin(X/${fixed(random.range(8, 40), 2)}+Y/${fixed(random.range(8, 40), 2)}*${fixed(random.range(-1, 1), 2)}` +
        `+T*${fixed(random.range(0.4, 2.5), 2)}+${fixed(random.range(0, 6.28), 2)})`;
      return {
        kind,
        chain:
          `nullsrc=s=${even(spec.width / 4)}x${even(spec.height / 4)}:r=${spec.fps},format=gbrp,` +
          `geq=r='${wave()}':g='${wave()}':b='${wave()}',${upscale('bicubic')}`,
      };
    }
  }
}

function rgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(2), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}
