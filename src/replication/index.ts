export * from './replication-destination';
export * from './object-lock';
