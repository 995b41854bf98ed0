/**
 * "Did you mean": the known name nearest to a mistyped one, by optimal string alignment distance
 * (insertions, deletions, substitutions and swaps of two neighbours each cost 1, so `--jsno` is one
 * step from `--json`). Nothing is suggested when nothing is close: a wild guess misleads.
 */
export function closest(typed: string, known: readonly string[]): string | undefined {
  const limit = typed.length <= 4 ? 1 : 2;
  let best: { name: string; cost: number } | undefined;
  for (const name of known) {
    const cost = alignment(typed.toLowerCase(), name.toLowerCase());
    if (cost <= limit && (!best || cost < best.cost)) best = { name, cost };
  }
  return best?.name;
}

function alignment(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      let cost = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        cost = Math.min(cost, d[i - 2]![j - 2]! + 1);
      d[i]![j] = cost;
    }
  }
  return d[a.length]![b.length]!;
}
