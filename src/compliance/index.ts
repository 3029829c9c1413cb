export * from './aspect';
export * from './defaults';
