/**
 * A deterministic random stream for (seed, prompt): the same request always makes the same video,
 * and any change of seed or prompt changes the choices. sfc32 seeded from SHA-256 is small,
 * fast and reproducible everywhere (Math.random is not seedable).
 */
import { createHash } from 'node:crypto';

export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** A colour as ffmpeg's 0xRRGGBB, from hue/saturation/lightness ranges that look good. */
  color(saturation?: [number, number], lightness?: [number, number]): string;
}

export function seededRandom(...parts: (string | number)[]): SeededRandom {
  const digest = createHash('sha256').update(parts.map(String).join('\u0000')).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // mix the state before use
  const random: SeededRandom = {
    next,
    range: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    color: (saturation = [0.45, 0.9], lightness = [0.3, 0.65]) =>
      hslToHex(next() * 360, random.range(...saturation), random.range(...lightness)),
  };
  return random;
}

function hslToHex(h: number, s: number, l: number): string {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => {
    const value = l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
    return Math.round(value * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `0x${channel(0)}${channel(8)}${channel(4)}`;
}
