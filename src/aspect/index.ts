export * from './secure-bucket-aspect';
