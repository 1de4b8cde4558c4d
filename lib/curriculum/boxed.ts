/**
 * The content of the last `\boxed{...}` (or `\fbox{...}`) in a text, with brace matching so nested braces
 * such as `\boxed{\frac{1}{2}}` come out whole. Also accepts the brace-less form `\boxed 5`.
 * Returns undefined when there is no complete box.
 */
export function lastBoxed(text: string): string | undefined {
  const re = /\\(?:boxed|fbox)\b/g;
  let lastStart = -1;
  let lastLen = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lastStart = m.index;
    lastLen = m[0].length;
  }
  if (lastStart < 0) return undefined;
  let i = lastStart + lastLen;
  if (text[i] === ' ') {
    // `\boxed 5`: the argument runs to the next `$` or whitespace.
    const rest = /^ +([^\s$]+)/.exec(text.slice(i));
    return rest ? rest[1] : undefined;
  }
  while (text[i] === ' ') i++;
  if (text[i] !== '{') return undefined;
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') {
      j++; // an escaped character (e.g. `\{`) never opens or closes a group
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return text.slice(i + 1, j);
    }
  }
  return undefined;
}
