export * from './batch.js';
export * from './client.js';
export * from './errors.js';
