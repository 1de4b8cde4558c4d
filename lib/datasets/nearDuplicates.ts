/**
 * Near-duplicate detection for traces of one problem. Text is normalised (lower case, punctuation other
 * than arithmetic signs removed, whitespace collapsed, "step n:" labels dropped) and cut into 3-token
 * shingles; two texts are near-duplicates when the Jaccard similarity of their shingle sets is >= 0.9
 * (identical normalised text is similarity 1).
 */
export const NEAR_DUPLICATE_JACCARD = 0.9;

export function normaliseText(text: string): string {
  return text
    .toLowerCase()
    .replace(/\bstep \d+:/g, ' ')
    .replace(/[^a-z0-9+\-*/=.^\\{}()]+/g, ' ')
    .replace(/(?<!\d)\.|\.(?!\d)/g, ' ') // a full stop is punctuation, a decimal point is not
    .replace(/\s+/g, ' ')
    .trim();
}

export function shingles(normalised: string, size = 3): Set<string> {
  const tokens = normalised.split(' ').filter(Boolean);
  const out = new Set<string>();
  if (tokens.length < size) {
    out.add(tokens.join(' '));
    return out;
  }
  for (let i = 0; i + size <= tokens.length; i++) out.add(tokens.slice(i, i + size).join(' '));
  return out;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const s of small) if (large.has(s)) inter++;
  return inter / (a.size + b.size - inter);
}
