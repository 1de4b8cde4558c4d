import type { CampaignState, RoundSummary } from '../../../lib/campaign/types';
import { campaignMemo, MEMO_BUDGET } from '../../../workflows/memo';

/** The campaign memo stays under the server's 2 KB warning however long the campaign and its model names. */
function summary(round: number): RoundSummary {
  const model = `ft:sim-student:sim:a-campaign-with-a-long-name-r${round}:${'abcdef12'.repeat(2)}`;
  return {
    round,
    frontier: 2 + Math.floor(round / 2),
    candidates: 400,
    inBand: 120,
    tracesKept: 300,
    datasetExamples: 280,
    model,
    promoted: round % 2 === 0,
    evaluation: { 3: { correct: 40, n: 50, accuracy: 0.8 }, 4: { correct: 30, n: 50, accuracy: 0.6 }, 5: { correct: 10, n: 50, accuracy: 0.2 } },
    outcome: round % 2 === 0 ? 'promoted' : 'rejected',
    note: 'x'.repeat(200),
  } as RoundSummary;
}

const state = { round: 31, frontier: 17, levelCount: 20, currentModel: summary(30).model, configHash: 'c'.repeat(64), paused: false } as unknown as CampaignState;

describe('campaign memo', () => {
  it('keeps every round while they fit', () => {
    const memo = campaignMemo({ name: 'a-campaign-with-a-long-name', state, summaries: [summary(1), summary(2)], phase: 'between rounds' });
    expect(JSON.stringify(memo).length).toBeLessThanOrEqual(MEMO_BUDGET);
    expect(memo.details).toMatch(/^\| 1 \|/m);
    expect(memo.details).toMatch(/^\| 2 \|/m);
    expect(memo.details).not.toMatch(/earlier round/);
  });

  it('shows the latest rounds of a long campaign under the budget and says where the rest are', () => {
    const summaries = Array.from({ length: 30 }, (_, i) => summary(i + 1));
    const memo = campaignMemo({ name: 'a-campaign-with-a-long-name', state, summaries, phase: 'between rounds', blockedReason: 'y'.repeat(300) });
    expect(JSON.stringify(memo).length).toBeLessThanOrEqual(MEMO_BUDGET);
    expect(memo.details).toMatch(/^\| 30 \|/m);
    expect(memo.details).not.toMatch(/^\| 1 \|/m);
    const hidden = 30 - [...String(memo.details).matchAll(/^\| \d+ \| \d+ \|/gm)].length;
    expect(memo.details).toContain(`_${hidden} earlier rounds: \`strawberry report a-campaign-with-a-long-name\`_`);
    expect(memo.configHash).toBe(state.configHash);
  });

  it('shows a row per skill in per-skill mode, still under the budget', () => {
    const skills = [
      { skill: 'quick', frontier: 2, status: 'done' as const, idleRounds: 0, samples: 1865 },
      { skill: 'slow', frontier: 6, status: 'climbing' as const, idleRounds: 0, samples: 6431 },
      { skill: 'out-of-reach', frontier: 8, status: 'parked' as const, reason: 'no band (0 in band) at level 8 for 2 rounds', idleRounds: 2, parkedRound: 2, samples: 920 },
    ];
    const summaries = Array.from({ length: 12 }, (_, i) => summary(i + 1));
    const memo = campaignMemo({ name: 'a-campaign-with-a-long-name', state: { ...state, skills }, summaries, phase: 'between rounds' });
    expect(JSON.stringify(memo).length).toBeLessThanOrEqual(MEMO_BUDGET);
    expect(memo.details).toMatch(/^\| quick \| 2 \| done \| 1865 \|$/m);
    expect(memo.details).toMatch(/^\| out-of-reach \| 8 \| parked: no band \(0 in band\) at level 8 for 2 rounds \| 920 \|$/m);
  });
});
