export * from './clock.js';
export * from './serial-runner.js';
