export * from './secure-bucket-checks';
