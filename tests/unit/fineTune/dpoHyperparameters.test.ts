import { hyperparametersOf } from '../../../activities/dpoStage';

describe('hyperparametersOf: the DPO job takes fineTune.dpo where it sets a value', () => {
  const ft = { nEpochs: 30, learningRate: 0.002, batchSize: 16, dpo: { nEpochs: 3, learningRate: 0.0002 } } as Parameters<typeof hyperparametersOf>[0];

  it('SFT jobs ignore fineTune.dpo', () => {
    expect(hyperparametersOf(ft, 'sft')).toEqual({ nEpochs: 30, learningRate: 0.002, batchSize: 16, learningRateMultiplier: undefined });
  });

  it('DPO jobs take its values and fall back to fineTune for the rest', () => {
    expect(hyperparametersOf(ft, 'dpo')).toEqual({ nEpochs: 3, learningRate: 0.0002, batchSize: 16, learningRateMultiplier: undefined });
    expect(hyperparametersOf({ ...ft, dpo: undefined }, 'dpo')).toEqual(hyperparametersOf(ft, 'sft'));
  });
});
