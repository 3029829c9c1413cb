export * from './finding-level';
export * from './secure-bucket-aspect';
