export * from './command';
export * from './config';
export * from './fineTuneProvider';
export * from './jobStore';
export * from './scheduler';
export * from './servingProvider';
export * from './python';
export * from './server';
