export * from './bucket';
export * from './access';
export * from './aspect';
export * from './mixins';
export * as nag from './nag';
export * from './replication';
export * from './monitoring';
