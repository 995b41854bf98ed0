/**
 * The boot check: ffmpeg and ffprobe exist, are recent enough, and have what the engines use
 * (libx264, the demuxers we whitelist, the filters of the preview engine), and a caption font
 * exists. A failure names everything missing at once and tells the operator how to fix it.
 */
import { access, constants } from 'node:fs/promises';
import type { MediaConfig } from './media.config.ts';
import { findOnPath, findSetpriv, type MediaRunObserver, runMediaProcess } from './media-process.ts';

export interface FfmpegInfo {
  ffmpegPath: string;
  ffprobePath: string;
  /** e.g. "5.1.9-0+deb12u1" */
  ffmpegVersion: string;
  ffprobeVersion: string;
  /** Absolute path of the TrueType font used for captions. */
  fontFile: string;
  /** Whether children die with the server even on SIGKILL (setpriv --pdeathsig). */
  pdeathsig: boolean;
  /** Told about every run made with these tools (metrics); set by the composition root. */
  observe?: MediaRunObserver;
}

export class FfmpegCheckError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`ffmpeg is not usable:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'FfmpegCheckError';
    this.problems = problems;
  }
}

/** -fps_mode and the option names used here need 5.1 (Debian 12). */
const MIN_VERSION: [number, number] = [5, 1];
const REQUIRED_ENCODERS = ['libx264', 'aac'];
const REQUIRED_FILTERS = ['drawtext', 'zoompan', 'gradients', 'mandelbrot', 'life', 'cellauto', 'geq', 'tpad', 'apad'];
const REQUIRED_DEMUXERS = ['mov', 'matroska', 'png_pipe', 'jpeg_pipe', 'webp_pipe'];

const INSTALL_HINT = 'install it with `apt-get install ffmpeg` (Debian/Ubuntu)';

export const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/local/share/fonts/DejaVuSans.ttf',
];

type CheckConfig = Pick<MediaConfig, 'ffmpegPath' | 'ffprobePath' | 'fontFile'>;

export async function checkFfmpeg(config: CheckConfig): Promise<FfmpegInfo> {
  const problems: string[] = [];
  const ffmpegPath = findOnPath(config.ffmpegPath);
  const ffprobePath = findOnPath(config.ffprobePath);
  if (!ffmpegPath) problems.push(`ffmpeg not found as "${config.ffmpegPath}" (VIDFORGE_FFMPEG): ${INSTALL_HINT}`);
  if (!ffprobePath) problems.push(`ffprobe not found as "${config.ffprobePath}" (VIDFORGE_FFPROBE): ${INSTALL_HINT}`);

  let ffmpegVersion = '';
  let ffprobeVersion = '';
  if (ffmpegPath) {
    ffmpegVersion = await version(ffmpegPath, 'ffmpeg', problems);
    if (ffmpegVersion) {
      await requireListed(ffmpegPath, '-encoders', 'encoder', REQUIRED_ENCODERS, problems);
      await requireListed(ffmpegPath, '-filters', 'filter', REQUIRED_FILTERS, problems);
      await requireListed(ffmpegPath, '-demuxers', 'demuxer', REQUIRED_DEMUXERS, problems);
    }
  }
  if (ffprobePath) ffprobeVersion = await version(ffprobePath, 'ffprobe', problems);

  const fontFile = await findFont(config.fontFile);
  if (!fontFile) {
    problems.push(
      config.fontFile
        ? `caption font "${config.fontFile}" (VIDFORGE_FONT_FILE) cannot be read`
        : 'no caption font found: install it with `apt-get install fonts-dejavu-core` or set VIDFORGE_FONT_FILE',
    );
  }
  if (problems.length > 0) throw new FfmpegCheckError(problems);
  return {
    ffmpegPath: ffmpegPath!,
    ffprobePath: ffprobePath!,
    ffmpegVersion,
    ffprobeVersion,
    fontFile: fontFile!,
    pdeathsig: findSetpriv() !== null,
  };
}

async function version(binary: string, label: string, problems: string[]): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await runMediaProcess(binary, ['-hide_banner', '-version'], { timeoutMs: 10_000 }));
  } catch (error) {
    problems.push(`${label} at ${binary} does not run (${(error as Error).message}): ${INSTALL_HINT}`);
    return '';
  }
  const match = /version (n?(\d+)\.(\d+)\S*)/.exec(stdout);
  if (!match) {
    // Builds from git print e.g. "N-112345-g..."; they are newer than any release we require.
    return /version (\S+)/.exec(stdout)?.[1] ?? 'unknown';
  }
  const [major, minor] = [Number(match[2]), Number(match[3])];
  if (major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1])) {
    problems.push(`${label} ${match[1]} is too old; ${MIN_VERSION.join('.')} or newer is needed: ${INSTALL_HINT}`);
  }
  return match[1]!;
}

/** `ffmpeg -encoders` etc. list one item per line: flags, then the name. */
async function requireListed(binary: string, flag: string, what: string, names: string[], problems: string[]) {
  const { stdout } = await runMediaProcess(binary, ['-hide_banner', flag], { timeoutMs: 10_000 });
  const listed = new Set<string>();
  for (const line of stdout.split('\n')) {
    for (const token of line.trim().split(/\s+/).slice(1, 2)) for (const name of token.split(',')) listed.add(name);
  }
  const missing = names.filter((name) => !listed.has(name));
  if (missing.length > 0) {
    problems.push(
      `ffmpeg at ${binary} lacks the ${what}${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: ` +
        "use a full build, e.g. Debian's `apt-get install ffmpeg`",
    );
  }
}

async function findFont(configured: string): Promise<string | null> {
  for (const candidate of configured ? [configured] : FONT_CANDIDATES) {
    try {
      await access(candidate, constants.R_OK);
      return candidate;
    } catch {}
  }
  return null;
}
