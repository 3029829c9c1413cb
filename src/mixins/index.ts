export * from './secure-bucket-defaults';
