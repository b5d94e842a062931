export * from './api.js';
export * from './domain-events.js';
export * from './ids.js';
export * from './messages.js';
export * from './plate.js';
export * from './reasons.js';
export * from './topics.js';
export * from './wire.js';
