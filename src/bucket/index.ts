export * from './secure-bucket-props';
export * from './secure-bucket';
export * from './access-logs-bucket';
export * from './object-lock';
export * from './bucket-monitor';
