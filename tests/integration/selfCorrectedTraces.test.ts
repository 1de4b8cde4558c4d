/**
 * The learning signal end to end, against the real sim over loopback HTTP: multi-turn traces with the LLM
 * verifier on and critique fixes enabled (the sim's defaults: a verifier right 90% of the time, a redone
 * wrong step right 60% of the time), then selection and the dataset writer. Every correct trace whose
 * flagged steps were all redone must reach the dataset (only de-duplication and caps may keep one out),
 * with its flagged turns at weight 0; every correct trace with a step never redone is the one dropped as
 * flagged. The oracle reads the conversation itself (each critique names its step), not the stored flags.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCurriculum } from '../../lib/curriculum';
import type { Curriculum, Problem } from '../../lib/curriculum/types';
import { multiTurnExample, selectTraces, writeDataset } from '../../lib/datasets';
import { gradeAnswer } from '../../lib/grading/gradeAnswer';
import { createOpenAIChatProvider, type ChatProvider } from '../../lib/providers/chat';
import { generateTrace, type TraceRecord } from '../../lib/traces';
import { startSim, type RunningSim } from '../../sim';

const ROOT = path.resolve(__dirname, '../..');
const grade = (text: string, gold: string) => gradeAnswer(text, gold, 'number');
// The demo's trace settings: a short trace (two steps) is checked by the verifier only at its end.
const options = { model: 'sim-student', verifier: { model: 'sim-teacher' }, verifyEvery: 2, finalCheckEvery: 2, maxTurns: 16 };
const CRITIQUE = /^A reviewer found an error in step (\d+):/;

let sim: RunningSim;
let provider: ChatProvider;
let curriculum: Curriculum;
let traces: TraceRecord[];

/** Per critique in the conversation: the step it named, and whether a later assistant turn starts with that step. */
function critiques(t: TraceRecord): { step: number; redone: boolean }[] {
  return t.messages.flatMap((m, i) => {
    const c = m.role === 'user' ? CRITIQUE.exec(m.content) : null;
    if (!c) return [];
    const step = Number(c[1]);
    return [{ step, redone: t.messages.slice(i + 1).some((later) => later.role === 'assistant' && later.content.trimStart().startsWith(`Step ${step}:`)) }];
  });
}

const key = (t: TraceRecord) => `${t.problemId}#${t.sampleIndex}`;

beforeAll(async () => {
  curriculum = await loadCurriculum(path.join(ROOT, 'curricula/arithmetic.yaml'));
  sim = await startSim({ port: 0, curricula: [curriculum] });
  provider = createOpenAIChatProvider({ baseURL: sim.baseURL, maxRetries: 1 });
  // Levels where this student errs often: plenty of flags, critiques and fixes.
  const problems: Problem[] = curriculum.levels
    .filter((l) => l.index === 1 || l.index === 2)
    .flatMap((l) => l.problems.filter((p) => !p.heldOut).slice(0, 16));
  traces = [];
  for (const problem of problems) for (let i = 0; i < 4; i++) traces.push(await generateTrace(provider, problem, options, grade, i));
});

afterAll(async () => {
  await sim?.close();
});

describe('self-corrected traces reach the dataset', () => {
  it('has the situations the test is about: correct traces with redone flagged steps, and the verifier on every trace', () => {
    const selfCorrected = traces.filter((t) => t.grade.correct && critiques(t).length > 0 && critiques(t).every((c) => c.redone));
    expect(selfCorrected.length).toBeGreaterThanOrEqual(5);
    // Every trace that ended on a final answer was checked at least once before it was accepted.
    for (const t of traces.filter((x) => x.stopReason === 'final-answer')) expect(t.verifierCalls ?? 0).toBeGreaterThanOrEqual(1);
    // The stored flags and the conversation agree: one flag per critique.
    for (const t of traces) expect(t.verifierFlags.length).toBe(critiques(t).length);
  });

  it('keeps every correct trace whose flagged steps were all redone, and drops as flagged exactly the others', () => {
    const expectedKept = traces.filter((t) => t.grade.correct && critiques(t).every((c) => c.redone));
    const unredone = traces.filter((t) => t.grade.correct && critiques(t).some((c) => !c.redone));
    // No de-duplication, no cap: selection is only about correctness and flags.
    const all = selectTraces(traces, { perProblemCap: 1000, dropNearDuplicates: false });
    expect(all.kept.map(key).sort()).toEqual(expectedKept.map(key).sort());
    expect(all.counts.flagged).toBe(unredone.length);

    // With de-duplication and caps, a self-corrected trace is missing only for those reasons.
    const capped = selectTraces(traces, { perProblemCap: 2 });
    expect(capped.counts.flagged).toBe(unredone.length);
    expect(capped.counts.kept + capped.counts.nearDuplicate + capped.counts.overCap).toBe(expectedKept.length);
  });

  it('writes the self-corrected traces with every flagged turn at weight 0 and the final redo trained on', async () => {
    const kept = selectTraces(traces, { perProblemCap: 1000, dropNearDuplicates: false }).kept;
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'self-corrected-')), 'dataset.jsonl');
    await writeDataset(kept, { out, format: 'multi-turn', seed: 1 });
    const lines = new Set(readFileSync(out, 'utf8').trim().split('\n'));
    for (const t of kept.filter((x) => critiques(x).length > 0)) {
      const example = multiTurnExample(t);
      expect(lines.has(JSON.stringify(example))).toBe(true);
      example.messages.forEach((m, i) => {
        // The turn just before a critique was objected to: never trained on.
        if (m.role === 'user' && CRITIQUE.test(m.content)) expect(example.messages[i - 1]).toMatchObject({ role: 'assistant', weight: 0 });
      });
      // What came after the last critique (the redo and the answer) is trained on.
      const lastCritique = example.messages.map((m) => m.role === 'user' && CRITIQUE.test(m.content)).lastIndexOf(true);
      expect(example.messages[lastCritique + 1]).toMatchObject({ role: 'assistant', weight: 1 });
      expect(example.messages.at(-1)).toMatchObject({ role: 'assistant', weight: 1 });
    }
  });
});
