export * from './options';
export * from './estimator';
export * from './estimatePassRate';
export { wilsonInterval } from './wilson';
export { betaBinomialPmf } from './betaBinomial';
