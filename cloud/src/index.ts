export { createLogger, type Logger, quietLogger } from '@parkinglot/platform/log';
export { type Clock, systemClock } from '@parkinglot/platform/time';
export { ConfigError, loadConfig, type ResolvedConfig } from './config/load.js';
export { type ConfigInput, configSchema, ENV_NAMES } from './config/schema.js';
export { transactStats } from './db/transact.js';
export { registerGate } from './domain/facilities.js';
export { ingestGateEvents } from './domain/ingestion.js';
export { type EmbeddedBroker, type Principal, startEmbeddedBroker } from './mqtt/broker.js';
export { type Cloud, drainBudget, StartupError, startCloud } from './server.js';
