/**
 * Pass-rate estimation bench: how many samples each adaptive mode saves against the fixed rule (k = 20), and
 * how often its band decision agrees with the fixed rule's. Every problem gets one seeded stream of k
 * outcomes; every mode reads the same stream, so agreement is exact, not statistical.
 *
 * Population (realistic for a frontier problem set): 35% never solved (p = 0), 20% always solved (p = 1),
 * 45% spread between with p ~ Beta(1, 1).
 *
 *   npm run bench:estimation -- [--problems 20000] [--seed 1] [--batch 5] [--a 0.05 --b 0.05] [--eps 0.01]
 */
import { table } from '../lib/format/table';
import { createEstimator, type EstimationOptionsInput } from '../lib/estimation';
import { mulberry32 } from '../lib/random';
import { isInBand } from '../lib/selection/band';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const num = (name: string, fallback: number) => (arg(name) === undefined ? fallback : Number(arg(name)));

const PROBLEMS = num('problems', 20000);
const SEED = num('seed', 1);
const K = 20;

const rng = mulberry32;

/** Marsaglia-Tsang gamma sampler (shape >= 1; boosted for shape < 1), for Beta draws. */
function gamma(shape: number, rand: () => number): number {
  if (shape < 1) return gamma(shape + 1, rand) * Math.pow(rand(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      // Box-Muller normal
      x = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}
const betaDraw = (a: number, b: number, rand: () => number) => {
  const x = gamma(a, rand);
  return x / (x + gamma(b, rand));
};

const rand = rng(SEED);
const streams: boolean[][] = [];
for (let i = 0; i < PROBLEMS; i++) {
  const u = rand();
  const p = u < 0.35 ? 0 : u < 0.55 ? 1 : betaDraw(1, 1, rand);
  streams.push(Array.from({ length: K }, () => rand() < p));
}

const fixed = createEstimator({ mode: 'fixed', k: K });
const fixedIn = streams.map((s) => fixed.inBandAtK(s.filter(Boolean).length));
const fixedInCount = fixedIn.filter(Boolean).length;

interface Row {
  mode: string;
  ratio: number;
  meanSamples: number;
  agreement: number;
  falseDrops: number;
  falseKeeps: number;
}

function run(label: string, opts: EstimationOptionsInput): Row {
  const est = createEstimator({ k: K, ...opts });
  let total = 0;
  let agree = 0;
  let falseDrops = 0;
  let falseKeeps = 0;
  streams.forEach((stream, i) => {
    let n = 0;
    let s = 0;
    for (let size = est.nextBatchSize({ successes: s, samples: n }); size > 0; size = est.nextBatchSize({ successes: s, samples: n })) {
      for (let j = 0; j < size; j++) if (stream[n + j]) s++;
      n += size;
    }
    total += n;
    const inBand = isInBand(s / n, est.options.band);
    if (inBand === fixedIn[i]) agree++;
    else if (fixedIn[i]) falseDrops++;
    else falseKeeps++;
  });
  return {
    mode: label,
    meanSamples: total / PROBLEMS,
    ratio: total / PROBLEMS / K,
    agreement: agree / PROBLEMS,
    falseDrops: falseDrops / Math.max(1, fixedInCount),
    falseKeeps: falseKeeps / PROBLEMS,
  };
}

const batch = num('batch', 5);
const prior = arg('a') !== undefined ? { a: num('a', 0.05), b: num('b', 0.05) } : undefined;
const eps = arg('eps') !== undefined ? num('eps', 0.01) : undefined;
const rows = [
  run('fixed k=20', { mode: 'fixed', batchSize: batch }),
  run(`curtail (batch ${batch})`, { mode: 'curtail', batchSize: batch }),
  run(`bayes (batch ${batch})`, { mode: 'bayes', batchSize: batch, ...(prior ? { prior } : {}), ...(eps ? { eps } : {}) }),
];
const bayesOpts = createEstimator({ mode: 'bayes', ...(prior ? { prior } : {}), ...(eps ? { eps } : {}) }).options;

console.log(`pass-rate estimation bench: ${PROBLEMS} problems (35% p=0, 20% p=1, 45% p~Beta(1,1)), seed ${SEED}, k=${K}, band [0.05, 0.5]`);
console.log(`fixed rule calls ${fixedInCount} problems (${((100 * fixedInCount) / PROBLEMS).toFixed(1)}%) in band`);
console.log(`bayes: prior Beta(${bayesOpts.prior.a}, ${bayesOpts.prior.b}), eps ${bayesOpts.eps}`);
console.log('');
console.log(
  table(
    ['mode', 'mean samples', 'ratio to k=20', 'agreement', 'dropped in-band', 'kept out-of-band'],
    rows.map((r) => [r.mode, r.meanSamples.toFixed(2), `${r.ratio.toFixed(3)}x`, `${(100 * r.agreement).toFixed(2)}%`, `${(100 * r.falseDrops).toFixed(2)}%`, `${(100 * r.falseKeeps).toFixed(2)}%`]),
    { right: [1, 2, 3, 4, 5], rule: false, maxWidth: Infinity },
  ),
);
const curtail = rows[1]!;
const bayes = rows[2]!;
const ok = curtail.agreement === 1 && bayes.ratio <= 0.75 && bayes.agreement >= 0.99;
console.log('');
console.log(`targets: curtail agreement 100% -> ${curtail.agreement === 1 ? 'met' : 'MISSED'}; bayes <= 0.75x at >= 99% agreement -> ${bayes.ratio <= 0.75 && bayes.agreement >= 0.99 ? 'met' : 'MISSED'}`);
process.exitCode = ok ? 0 : 1;
