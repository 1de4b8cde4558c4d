import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { activityInputSizes, continueAsNewInputSizes } from '../helpers/historyPayloads';

/**
 * Every recorded history under tests/fixtures/histories/ must replay against today's workflow code: a change
 * that alters history fails here (bump WORKFLOW_SHAPE and re-record, see README "Upgrading"). Histories of an
 * older shape (shape-1/, shape-2/: move the current ones there when the shape is bumped) must fail with the
 * message that says how to carry the campaign over.
 * Record new ones with STRAWBERRY_RECORD_HISTORIES=1 npm test.
 */
const dir = path.join(__dirname, '../fixtures/histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
/** Histories recorded by earlier releases, one folder per workflow shape (`shape-<n>/`). */
const olderFiles = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && /^shape-\d+$/.test(d.name))
  .flatMap((d) => readdirSync(path.join(dir, d.name)).filter((f) => f.endsWith('.json')).map((f) => `${d.name}/${f}`));
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('replay of recorded histories', () => {
  it('has recorded histories of every branch', () => {
    const branches = ['round-1', 'campaign-2rounds', 'campaign-pause', 'campaign-configure', 'campaign-blocked-unpause', 'campaign-blocked-cancel', 'campaign-resumed', 'campaign-budget-stop', 'round-rejected', 'round-band-empty', 'round-skills', 'campaign-final-evaluation'];
    for (const b of branches) expect(files).toContain(`${b}.json`);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, read(path.join(dir, file)), file.replace(/\.json$/, ''));
  });

  it('keeps the histories of every older shape (shape-1/, shape-2/)', () => {
    for (const shape of ['shape-1', 'shape-2']) expect(olderFiles.some((f) => f.startsWith(`${shape}/`))).toBe(true);
  });

  it.each(olderFiles)('%s fails with a message that says what to run', async (file) => {
    const replay = Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, read(path.join(dir, file)), path.basename(file).replace(/\.json$/, ''));
    await expect(replay).rejects.toThrow(/strawberry resume \S+ --terminate/);
  });

  it('keeps activity inputs under 600 bytes and continue-as-new inputs under 1 KB', () => {
    for (const file of files) {
      const history = read(path.join(dir, file));
      for (const { activity, bytes } of activityInputSizes(history)) expect({ file, activity, bytes: bytes < 600 }).toEqual({ file, activity, bytes: true });
      for (const bytes of continueAsNewInputSizes(history)) expect({ file, continueAsNew: bytes < 1024 }).toEqual({ file, continueAsNew: true });
    }
  });
});
