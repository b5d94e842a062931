export * from './free-port.js';
export * from './link-proxy.js';
