/**
 * Acceptance check of the learning signal on a finished campaign: per round, the number of correct traces in
 * `runs/<campaign>/round-<n>/verified.jsonl` with a flagged step never redone (a flag names its `step`; the
 * step is redone when a later assistant turn starts with `Step <step>:` again) must equal the `flagged` drops
 * the dataset step logged (`"dataset written"`, `drops.flagged`, in the worker's JSON log on stderr). It
 * also prints the verifier calls of every round (summary.json) and fails when a round with the verifier on
 * made none.
 *
 *   STRAWBERRY_LOG_LEVEL=info npm start 2> demo.log     # or any run whose worker log you kept
 *   npm run check:flag-drops -- <campaign> demo.log [--runs runs]
 *
 * Exit 0 when every round agrees, 1 when one does not, 2 on bad usage.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface Msg {
  role: string;
  content: string;
}
interface Flag {
  messageIndex?: number;
  turn?: number;
  step?: number;
}
interface Trace {
  messages: Msg[];
  grade: { correct: boolean };
  verifierFlags: Flag[];
}

const args = process.argv.slice(2).filter((a, i, all) => a !== '--runs' && all[i - 1] !== '--runs');
const runsAt = process.argv.indexOf('--runs');
const runs = path.resolve(runsAt >= 0 ? process.argv[runsAt + 1]! : (process.env.STRAWBERRY_RUNS_DIR ?? 'runs'));
const [campaign, logFile] = args;
if (!campaign || !logFile) {
  process.stderr.write('usage: check-flag-drops <campaign> <worker log (JSON lines)> [--runs dir]\n');
  process.exit(2);
}
const dir = path.join(runs, campaign);
if (!existsSync(dir)) {
  process.stderr.write(`no campaign ${campaign} in ${runs}\n`);
  process.exit(2);
}

/** Whether `step` is redone after message `from`: a later assistant turn starts with `Step <step>:`. */
const redone = (messages: Msg[], from: number, step: number) =>
  messages.slice(from + 1).some((m) => m.role === 'assistant' && m.content.trimStart().startsWith(`Step ${step}:`));

/** The critiques of a conversation (each names the step to redo), read from the messages themselves. */
const CRITIQUE = /^A reviewer found an error in step (\d+):/;
function unredoneByCritique(t: Trace): boolean {
  return t.messages.some((m, i) => {
    const c = m.role === 'user' ? CRITIQUE.exec(m.content) : null;
    return c !== null && !redone(t.messages, i, Number(c[1]));
  });
}
function unredoneByFlags(t: Trace): boolean {
  return t.verifierFlags.some((f) => f.step === undefined || typeof f.messageIndex !== 'number' || !redone(t.messages, f.messageIndex, f.step));
}

// The last "dataset written" line of each round (a retried step logs again).
const logged = new Map<number, number>();
for (const line of readFileSync(logFile, 'utf8').split('\n')) {
  if (!line.startsWith('{')) continue;
  try {
    const j = JSON.parse(line) as { campaign?: string; round?: number; msg?: string; drops?: { flagged?: number } };
    if (j.campaign === campaign && j.msg === 'dataset written' && typeof j.round === 'number' && j.drops) logged.set(j.round, j.drops.flagged ?? 0);
  } catch {
    // not a log line
  }
}

let ok = true;
const rows: string[] = ['round  traces  correct  correct+unredone(flags)  correct+unredone(critiques)  logged flagged  verifier calls  ok'];
const rounds = readdirSync(dir)
  .map((d) => /^round-(\d+)$/.exec(d))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => Number(m[1]))
  .sort((a, b) => a - b);
for (const n of rounds) {
  const verified = path.join(dir, `round-${n}`, 'verified.jsonl');
  const summaryFile = path.join(dir, `round-${n}`, 'summary.json');
  const summary = existsSync(summaryFile) ? (JSON.parse(readFileSync(summaryFile, 'utf8')) as { summary?: { verifierCalls?: number } }).summary : undefined;
  if (!existsSync(verified)) {
    rows.push(`${n}      (no traces)`);
    continue;
  }
  const traces = readFileSync(verified, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Trace);
  const correct = traces.filter((t) => t.grade.correct);
  const byFlags = correct.filter(unredoneByFlags).length;
  const byCritiques = correct.filter(unredoneByCritique).length;
  const drops = logged.get(n);
  const calls = summary?.verifierCalls;
  const good = drops === byFlags && byFlags === byCritiques && (calls === undefined || calls > 0);
  ok &&= good;
  rows.push(`${n}      ${traces.length}      ${correct.length}      ${byFlags}      ${byCritiques}      ${drops ?? 'not logged'}      ${calls ?? 'n/a'}      ${good ? 'yes' : 'NO'}`);
}
process.stdout.write(`${rows.join('\n')}\n${ok ? 'every round agrees' : 'MISMATCH'}\n`);
process.exit(ok ? 0 : 1);
