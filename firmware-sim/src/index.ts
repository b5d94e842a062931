export * from './firmata/index.js';
