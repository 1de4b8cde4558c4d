import path from 'node:path';
import { loadSimConfig, parseSimConfig } from '../../../sim/config';
import { UserError } from '../../../lib/errors';

const repo = path.resolve(__dirname, '../../..');

describe('sim config', () => {
  it('config/sim.yaml spells out exactly the schema defaults', () => {
    expect(loadSimConfig(path.join(repo, 'config/sim.yaml'))).toEqual(parseSimConfig({}));
  });

  it('fills defaults into a partial config', () => {
    const cfg = parseSimConfig({ faults: { errorRate: 0.2 } });
    expect(cfg.faults.errorRate).toBe(0.2);
    expect(cfg.faults.hangRate).toBe(0);
    expect(cfg.jobs.runningSeconds).toBe(1);
    expect(cfg.models.map((m) => m.id)).toEqual(['sim-student', 'sim-teacher']);
  });

  it('names the field path of a bad value', () => {
    expect(() => parseSimConfig({ faults: { errorRate: 2 } })).toThrow(UserError);
    expect(() => parseSimConfig({ faults: { errorRate: 2 } })).toThrow(/faults\.errorRate/);
    expect(() => parseSimConfig({ limits: { rmp: 3 } })).toThrow(/limits/);
  });
});
