export * from './access-restriction';
export * from './vpc-endpoint-only';
export * from './source-ip-only';
export * from './role-only';
export * from './admin-only-changes';
