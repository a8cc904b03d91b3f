export * from './errors.ts';
export * from './limits.ts';
export * from './commands.ts';
export * from './documents.ts';
export * from './api.ts';
export * from './media.ts';
