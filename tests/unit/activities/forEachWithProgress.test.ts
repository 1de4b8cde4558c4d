import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { forEachWithProgress } from '../../../activities/sampling';

/** The loop every sharded activity runs: progress heartbeats, and no new provider calls once cancelled. */
describe('forEachWithProgress', () => {
  it('heartbeats progress after the first item, then at most once a second, and at the end; keeps the order of results', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const out = await env.run(() => forEachWithProgress([3, 1, 2], 2, async (x) => x * 10));
    expect(out).toEqual([30, 10, 20]);
    // Items finishing within a second of each other: the first and the last report, not every one.
    expect(beats).toEqual([{ done: 1, total: 3, attempt: 1 }, { done: 3, total: 3, attempt: 1 }]);
  });

  it('starts no new item once the activity is cancelled, and fails as cancelled', async () => {
    const env = new MockActivityEnvironment();
    const started: number[] = [];
    const run = env.run(() =>
      forEachWithProgress([0, 1, 2, 3, 4, 5], 1, async (i) => {
        started.push(i);
        if (i === 1) env.cancel();
        return i;
      }),
    );
    await expect(run).rejects.toBeInstanceOf(CancelledFailure);
    expect(started).toEqual([0, 1]);
  });
});

describe('forEachWithProgress when an item fails', () => {
  it('aborts the sibling lanes, waits for them to settle, then fails with the first error', async () => {
    const env = new MockActivityEnvironment();
    const started: number[] = [];
    const settled: number[] = [];
    const run = env.run(() =>
      forEachWithProgress([0, 1, 2, 3, 4, 5, 6, 7], 3, async (i, signal) => {
        started.push(i);
        if (i === 1) throw new Error('provider refused item 1');
        // A sibling still on the wire finishes (what it drew is recorded), but starts nothing new.
        await new Promise((r) => setTimeout(r, 50));
        settled.push(i);
        expect(signal.aborted).toBe(true);
        return i;
      }),
    );
    await expect(run).rejects.toThrow('provider refused item 1');
    // Items 0 and 2 were in flight when 1 failed: both settled before the activity failed; no item after them started.
    expect(started).toEqual([0, 1, 2]);
    expect(settled.sort()).toEqual([0, 2]);
  });
});

describe('forEachWithProgress with one slow item', () => {
  afterEach(() => jest.useRealTimers());

  it('keeps heartbeating while an item runs longer than a heartbeat timeout', async () => {
    jest.useFakeTimers();
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    let finish!: () => void;
    const run = env.run(() => forEachWithProgress(['slow'], 1, () => new Promise<string>((resolve) => (finish = () => resolve('ok')))));
    await jest.advanceTimersByTimeAsync(5 * 60_000);
    const whileRunning = beats.length;
    finish();
    await expect(run).resolves.toEqual(['ok']);
    expect(whileRunning).toBeGreaterThanOrEqual(5);
    expect(beats.at(-1)).toEqual({ done: 1, total: 1, attempt: 1 });
  });
});
