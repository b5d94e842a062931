export * from './args.js';
export * from './shutdown.js';
