export * from './bucket-security-monitor-props';
export * from './bucket-security-monitor';
export * from './detective-controls-options';
export * from './macie-options';
