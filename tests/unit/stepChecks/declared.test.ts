import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCurriculum } from '../../../lib/curriculum/load';
import { dropCounts, selectRules, selectTraces, traceDecision } from '../../../lib/datasets/select';
import type { StepCheckResult } from '../../../lib/stepChecks/types';
import { traceOf } from './helpers';

function tmpCurriculum(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'curriculum-'));
  const file = path.join(dir, 'c.yaml');
  writeFileSync(file, yaml);
  return file;
}
const SOURCES: Record<string, string> = { a: "['+'], digits: 1", b: "['-'], digits: 1", c: "['*'], digits: 1", d: "['+'], digits: 2" };
const level = (id: string, skill: string, extra = '') => `  - id: ${id}\n    skill: ${skill}\n    difficulty: 1\n    source: { generator: arithmetic, operators: ${SOURCES[id]}, count: 20 }\n${extra}`;

describe('step checkers declared in the curriculum: per level, or for the levels of some skills', () => {
  it('a level takes its own list, else the curriculum\'s checkers for its skill', async () => {
    const c = await loadCurriculum(
      tmpCurriculum(
        [
          'name: c',
          'answerType: number',
          'stepCheckers:',
          '  - { kind: arithmetic }',
          "  - { kind: command, name: units, command: [python3, units.py], skills: [words] }",
          'levels:',
          level('a', 'sums'),
          level('b', 'words'),
          level('c', 'sums', '    stepCheckers: [{ kind: modchain }]\n'),
          level('d', 'sums', '    stepCheckers: []\n'),
        ].join('\n'),
      ),
    );
    expect(c.levels.map((l) => (l.stepCheckers ?? []).map((s) => s.name ?? s.kind))).toEqual([['arithmetic'], ['arithmetic', 'units'], ['modchain'], []]);
    expect(c.levels[1]!.stepCheckers![1]).toMatchObject({ kind: 'command', command: ['python3', 'units.py'], timeoutSeconds: 10 });
  });

  it('bad declarations name the file, line and field', async () => {
    const bad = async (yaml: string) => loadCurriculum(tmpCurriculum(yaml)).then(() => 'loaded', (e: Error) => e.message);
    expect(await bad(['name: c', 'answerType: number', 'stepCheckers: [{ kind: spelling }]', 'levels:', level('a', 's')].join('\n'))).toMatch(/c\.yaml:3 stepCheckers\[0\]\.kind: unknown step checker kind "spelling"; known kinds: arithmetic, sortsteps, modchain, command/s);
    expect(await bad(['name: c', 'answerType: number', 'stepCheckers: [{ kind: command, command: [] }]', 'levels:', level('a', 's')].join('\n'))).toMatch(/stepCheckers\[0\]\.command.*expected the program and its arguments/s);
    expect(await bad(['name: c', 'answerType: number', 'levels:', level('a', 's', '    stepCheckers: [{ kind: arithmetic, skills: [s] }]\n')].join('\n'))).toMatch(/levels\[0\]\.stepCheckers\[0\]\.skills.*belongs on the curriculum's stepCheckers list/s);
  });
});

describe('selection: a trace is kept only when its answer is correct and every standing step passes', () => {
  const checks = (...failedBy: string[]): StepCheckResult[] => [
    { checker: 'arithmetic', checked: 2, failed: failedBy.includes('arithmetic') ? [{ step: 2, messageIndex: 3, reason: 'r' }] : [] },
    { checker: 'units', checked: 2, failed: failedBy.includes('units') ? [{ step: 1, messageIndex: 2, reason: 'r' }] : [] },
  ];
  const t = (i: number, stepChecks?: StepCheckResult[], correct = true) =>
    traceOf('q', [`Step 1: distinct ${i} ${'x'.repeat(i)}`, '\\boxed{1}'], { sampleIndex: i, ...(stepChecks ? { stepChecks } : {}), grade: { correct, reason: correct ? 'match' : 'mismatch', verifierVersion: 't' } });
  const rules = selectRules({ dropNearDuplicates: false });
  const none = { shingles: [], count: 0 };

  it('drops a trace a checker rejected, naming the first checker that did; keeps one every checker passed (or none declared)', () => {
    expect(traceDecision(t(0, checks('units', 'arithmetic')), none, rules)).toEqual({ keep: false, reason: 'stepCheck', checker: 'arithmetic' });
    expect(traceDecision(t(0, checks('units')), none, rules)).toEqual({ keep: false, reason: 'stepCheck', checker: 'units' });
    expect(traceDecision(t(0, checks()), none, rules).keep).toBe(true);
    expect(traceDecision(t(0), none, rules).keep).toBe(true);
    // An incorrect answer is dropped as incorrect, whatever its steps.
    expect(traceDecision(t(0, checks('units'), false), none, rules)).toEqual({ keep: false, reason: 'incorrect' });
  });

  it('counts the drops per checker, in the round\'s dataset stats as stepCheck:<checker>', () => {
    const s = selectTraces([t(0, checks('arithmetic')), t(1, checks('units')), t(2, checks('units')), t(3, checks()), t(4, undefined, false)], { dropNearDuplicates: false });
    expect(s.kept.map((x) => x.sampleIndex)).toEqual([3]);
    expect(s.counts).toMatchObject({ input: 5, kept: 1, incorrect: 1, stepCheck: 3, stepCheckBy: { arithmetic: 1, units: 2 } });
    expect(dropCounts(s.counts)).toEqual({ input: 5, kept: 1, incorrect: 1, flagged: 0, stepCheck: 3, 'stepCheck:arithmetic': 1, 'stepCheck:units': 2, tooLong: 0, nearDuplicate: 0, overCap: 0 });
  });
});
