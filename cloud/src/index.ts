export { ConfigError, loadConfig, type ResolvedConfig } from './config/load.js';
export { type ConfigInput, configSchema } from './config/schema.js';
export { type Cloud, StartupError, startCloud } from './server.js';
export { type Clock, systemClock } from './util/clock.js';
export { createLogger, type Logger, quietLogger } from './util/logger.js';
