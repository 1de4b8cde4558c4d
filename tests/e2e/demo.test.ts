import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelRegistry } from '../../lib/registry';
import { DirectoryRunStore } from '../../lib/store';
import { runCli } from '../helpers/cli';
import { describeErrors, loadOpenAISchema } from '../helpers/openapiSchemas';
import { testServerAddress } from '../helpers/temporal';

/** `npm start` runs `strawberry demo`; here it runs against the test's dev server (TEMPORAL_ADDRESS). */
describe('strawberry demo (the embedded default)', () => {
  it('runs the demo campaign to the end: >= 3 rounds, frontier up >= 2 levels, valid datasets, a lineage', () => {
    const runsDir = mkdtempSync(path.join(os.tmpdir(), 'strawberry-demo-runs-'));
    const name = `demo-e2e-${Date.now().toString(36)}`;
    const res = runCli(['demo', '--name', name], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: testServerAddress(),
        STRAWBERRY_RUNS_DIR: runsDir,
        STRAWBERRY_HOME: mkdtempSync(path.join(os.tmpdir(), 'strawberry-demo-home-')),
        STRAWBERRY_LOG_LEVEL: 'warn',
      },
      timeoutMs: 300_000,
    });
    expect(res.stderr).not.toMatch(/unexpected error/);
    expect(res.status).toBe(0);

    const rows = res.stdout.split('\n').filter((l) => /^\d+\s+\d+\s/.test(l)); // round, frontier index (then its level name)
    const frontiers = rows.map((l) => Number(l.trim().split(/\s+/)[1]));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(res.stdout).toMatch(/Stopped: .*frontier level (\d+)/);
    const finalFrontier = Number(/frontier level (\d+)/.exec(res.stdout.split('Stopped:')[1]!)![1]);
    expect(finalFrontier - frontiers[0]!).toBeGreaterThanOrEqual(2);

    const line = loadOpenAISchema('FineTuneChatRequestInput');
    const campaignDir = path.join(runsDir, name);
    const datasets = readdirSync(campaignDir).filter((d) => d.startsWith('round-')).map((d) => path.join(campaignDir, d, 'dataset.jsonl'));
    expect(datasets.length).toBeGreaterThanOrEqual(3);
    for (const file of datasets) {
      for (const l of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
        if (!line(JSON.parse(l))) throw new Error(`${file}: ${describeErrors(line)}`);
      }
    }
    return ModelRegistry.load(new DirectoryRunStore(runsDir), name).then((registry) => {
      const lineage = registry.lineage();
      expect(lineage[0]!.status).toBe('base');
      expect(lineage.length).toBeGreaterThanOrEqual(4);
      for (const m of lineage) expect(Object.keys(m.evaluation ?? {}).length).toBeGreaterThan(0);
    });
  }, 320_000); // the demo itself may take minutes on a loaded 2-core machine (runCli's own limit is 300 s)
});
