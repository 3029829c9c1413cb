export * from './aspect';
