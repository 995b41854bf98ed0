/**
 * The prompt drawn as a caption. The text never enters the filter graph: it is written to a file
 * in the work directory and read with `textfile=` with `expansion=none`, so neither filter syntax
 * (`:`, `,`, `'`, `[`) nor drawtext's `%{...}` expansions in a prompt can do anything. The font is
 * linked into the work directory under a fixed name for the same reason: ffmpeg runs with the work
 * directory as cwd, so the graph names only `caption.txt` and `caption.ttf`.
 */
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const CAPTION_FILE = 'caption.txt';
export const FONT_LINK = 'caption.ttf';
const MAX_LINES = 3;

/** Wraps the prompt into at most three lines of `width` characters, with an ellipsis if cut. */
export function wrapCaption(prompt: string, width: number): string {
  // Control characters (newlines included) would break the layout; the caption is one paragraph.
  const words = prompt
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const chunks = [...word].length > width ? splitLong(word, width) : [word];
    for (const chunk of chunks) {
      const candidate = line ? `${line} ${chunk}` : chunk;
      if ([...candidate].length <= width) {
        line = candidate;
        continue;
      }
      lines.push(line);
      line = chunk;
    }
  }
  if (line) lines.push(line);
  if (lines.length <= MAX_LINES) return lines.join('\n');
  const kept = lines.slice(0, MAX_LINES);
  const last = [...kept[MAX_LINES - 1]!];
  kept[MAX_LINES - 1] = `${last.slice(0, Math.max(0, width - 1)).join('')}…`;
  return kept.join('\n');
}

function splitLong(word: string, width: number): string[] {
  const chars = [...word];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += width) out.push(chars.slice(i, i + width).join(''));
  return out;
}

export interface CaptionLayout {
  fontSize: number;
  /** Characters per line that fit the frame at that size. */
  lineChars: number;
}

export function captionLayout(width: number, height: number): CaptionLayout {
  const fontSize = Math.max(12, Math.round(Math.min(width, height) * 0.045));
  // DejaVu Sans averages about 0.55 em per character; keep a margin on both sides.
  const lineChars = Math.max(8, Math.floor((width * 0.86) / (fontSize * 0.55)));
  return { fontSize, lineChars };
}

/** Writes the caption and links the font into `workDir`; returns the drawtext filter. */
export async function prepareCaption(
  workDir: string,
  prompt: string,
  fontFile: string,
  size: { width: number; height: number },
  options: { fadeInFrom?: number } = {},
): Promise<string | null> {
  const layout = captionLayout(size.width, size.height);
  const text = wrapCaption(prompt, layout.lineChars);
  if (text === '') return null;
  await writeFile(join(workDir, CAPTION_FILE), text, 'utf8');
  await symlink(fontFile, join(workDir, FONT_LINK)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  const from = options.fadeInFrom ?? 0;
  const margin = Math.round(size.height * 0.06);
  return [
    `drawtext=fontfile=${FONT_LINK}`,
    `textfile=${CAPTION_FILE}`,
    'expansion=none',
    `fontsize=${layout.fontSize}`,
    'fontcolor=white',
    `line_spacing=${Math.round(layout.fontSize * 0.3)}`,
    'box=1',
    'boxcolor=black@0.45',
    `boxborderw=${Math.round(layout.fontSize * 0.4)}`,
    'x=(w-text_w)/2',
    `y=h-text_h-${margin}`,
    // Fades in over half a second from `from`; before that it is not drawn at all, so a source
    // image or video stays untouched.
    `alpha='clip((t-${from})/0.5,0,1)'`,
    ...(from > 0 ? [`enable='gte(t,${from})'`] : []),
  ].join(':');
}
