export * from './band';
export * from './options';
export * from './selectBand';
export * from './candidates';
