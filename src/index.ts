export * from './secure-bucket';
export * from './access-logs-bucket';
export * from './access';
export * from './compliance';
export * as nag from './nag';
export * from './replication';
export * from './monitoring';
