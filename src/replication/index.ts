export * from './replication-destination';
