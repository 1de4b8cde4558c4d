import type { Command } from 'commander';
import { readCampaignConfig } from '../../lib/campaign/resume';
import { UserError } from '../../lib/errors';
import { table } from '../../lib/format/table';
import { finalCheckText, flagText, gradeText, roundsWithTraces, roundTraces, verdictText, type RoundTraces, type TraceRow } from '../../lib/report/traces';
import { runStoreUrlOf } from '../../lib/store';
import { cliRunStore } from '../campaigns';
import { levelNamesOf } from '../tables';

interface TracesOptions {
  round?: string;
  problem?: string;
  kept?: boolean;
  dropped?: boolean;
  json?: boolean;
}

/**
 * `strawberry traces <name>`: the graded traces of a campaign's rounds with the dataset's decision on each,
 * from the run store alone (lib/report/traces.ts). A table by default; `--problem` prints each of the
 * problem's traces in full (every turn, flags, final check, grade, decision).
 */
export function registerTraces(program: Command): void {
  program
    .command('traces')
    .description('list the traces of a campaign with why each was kept or dropped; --problem shows them in full (works without a server)')
    .argument('<name>', 'campaign name')
    .option('--round <n>', 'only this round (default: every round with traces)')
    .option('--problem <id>', 'only this problem, each trace shown in full')
    .option('--kept', 'only traces the dataset kept')
    .option('--dropped', 'only traces the dataset dropped')
    .option('--json', 'print JSON instead of text')
    .action(async (name: string, opts: TracesOptions) => {
      const store = cliRunStore();
      if (!(await store.exists(`${name}/registry.json`))) {
        throw new UserError(`no campaign "${name}" in the run store ${runStoreUrlOf(store)} (set STRAWBERRY_RUN_STORE, or STRAWBERRY_RUNS_DIR, to the store the campaign used)`);
      }
      if (opts.kept && opts.dropped) throw new UserError('--kept and --dropped exclude each other: give one, or neither for both');
      const available = await roundsWithTraces(store, name);
      const rounds = opts.round === undefined ? available : [parseRound(opts.round, available)];
      const wanted = (t: TraceRow) => (opts.problem === undefined || t.problemId === opts.problem) && (opts.kept ? t.verdict.kept : opts.dropped ? !t.verdict.kept : true);
      const selected: RoundTraces[] = [];
      let total = 0;
      for (const r of rounds) {
        const all = await roundTraces(store, name, r);
        total += all.rows.length;
        selected.push({ ...all, rows: all.rows.filter(wanted) });
      }
      const count = selected.reduce((n, r) => n + r.rows.length, 0);
      if (opts.problem !== undefined && count === 0) {
        throw new UserError(`no ${opts.kept ? 'kept ' : opts.dropped ? 'dropped ' : ''}trace of problem "${opts.problem}" in round${rounds.length === 1 ? '' : 's'} ${rounds.join(', ') || '(none)'} of campaign "${name}"`);
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ campaign: name, rounds: selected.map((r) => jsonRound(r, opts.problem !== undefined)) }, null, 2)}\n`);
        return;
      }
      if (!available.length) {
        process.stdout.write(`Campaign ${name}: no graded traces in the run store yet\n`);
        return;
      }
      const levelNames = await levelNamesOf((await readCampaignConfig(store, name).catch(() => undefined))?.curriculumPath);
      if (opts.problem !== undefined) {
        process.stdout.write(`${selected.flatMap((r) => r.rows).map((t) => fullTrace(t, levelNames)).join('\n\n')}\n`);
        return;
      }
      const rows = selected.flatMap((r) => r.rows).map((t) => [String(t.round), t.problemId, String(t.sampleIndex), levelName(t.levelIndex, levelNames), shortGrade(t), t.verdict.kept ? 'kept' : 'dropped', t.verdict.why]);
      const kept = selected.reduce((n, r) => n + r.rows.filter((t) => t.verdict.kept).length, 0);
      const shown = count === total ? `${count} traces` : `${count} of ${total} traces shown`;
      process.stdout.write(`Campaign ${name}: ${shown} (${kept} kept, ${count - kept} dropped)\n\n${table(['round', 'problem', 'sample', 'level', 'grade', 'decision', 'reason'], rows, { whole: [1, 6], right: [0, 2] })}\n`);
    });
}

/** `--round`: a whole number naming a round that has traces; otherwise a usage error naming those that do. */
function parseRound(text: string, available: readonly number[]): number {
  const have = available.length ? `rounds with traces: ${available.join(', ')}` : 'no round has traces yet';
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new UserError(`--round ${text}: expected a round number (1, 2, ...); ${have}`);
  const n = Number(text);
  if (!available.includes(n)) throw new UserError(`--round ${n}: this campaign has no traces for round ${n}; ${have}`);
  return n;
}

function levelName(index: number, names: readonly string[] | undefined): string {
  return names?.[index] ? `${index} ${names[index]}` : String(index);
}

function shortGrade(t: TraceRow): string {
  const g = t.trace.grade;
  return g.correct ? 'correct' : `${g.reason}${g.extracted !== undefined ? ` ${g.extracted}` : ''}`;
}

/** One trace in full: header, grade, final check, flags, decision, then every turn indented under its role. */
function fullTrace(t: TraceRow, levelNames: readonly string[] | undefined): string {
  const flags = t.flags.length ? t.flags.map((f) => `\n    - ${flagText(f)}`).join('') : ' none';
  const turns = t.trace.messages.map((m, i) => `  [${i}] ${m.role}${m.corrected ? ' (corrected later, not trained on)' : ''}\n${m.content.replace(/^/gm, '      ')}`);
  return [
    `Round ${t.round}, problem ${t.problemId}, sample ${t.sampleIndex} (level ${levelName(t.levelIndex, levelNames)}, model ${t.model}, ${t.trace.turns} turns)`,
    `  grade: ${gradeText(t.trace)}`,
    `  final check: ${finalCheckText(t.finalCheck)}`,
    `  verifier flags:${flags}`,
    `  decision: ${verdictText(t.verdict)}`,
    '',
    ...turns,
  ].join('\n');
}

function jsonRound(r: RoundTraces, full: boolean) {
  return {
    round: r.round,
    method: r.method,
    traces: r.rows.map((t) => ({
      problemId: t.problemId,
      levelIndex: t.levelIndex,
      sampleIndex: t.sampleIndex,
      model: t.model,
      kept: t.verdict.kept,
      ...(t.verdict.code ? { dropReason: t.verdict.code } : {}),
      reason: t.verdict.why,
      grade: t.trace.grade,
      flags: t.flags,
      finalCheck: t.finalCheck,
      ...(full ? { messages: t.trace.messages } : {}),
    })),
  };
}
