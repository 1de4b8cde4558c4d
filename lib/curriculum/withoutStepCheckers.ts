import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

/**
 * A copy of a curriculum file without its step checkers (source paths made absolute so the copy reads the same
 * data from anywhere): the "no checker" ablation of bench:real-loop, and tests of other parts of the loop on a
 * model too small to write valid steps. Returns the copy's path, `<outDir>/<name>-no-checker.yaml`.
 */
export function withoutStepCheckers(file: string, outDir: string): string {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.delete('stepCheckers');
  const levels = doc.get('levels') as { items: { get(k: string): unknown; delete(k: string): void; setIn(p: string[], v: unknown): void }[] };
  for (const l of levels.items) {
    l.delete('stepCheckers');
    const src = l.get('source') as { get(k: string): unknown } | undefined;
    const rel = src?.get('path');
    if (typeof rel === 'string' && !path.isAbsolute(rel) && !rel.startsWith('${')) l.setIn(['source', 'path'], path.resolve(path.dirname(file), rel));
  }
  const out = path.join(outDir, `${path.basename(file, '.yaml')}-no-checker.yaml`);
  writeFileSync(out, doc.toString());
  return out;
}
