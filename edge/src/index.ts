export { type Agent, type AgentDeps, startAgent } from './agent.js';
export { EdgeConfigError, envName, loadEdgeConfig } from './config/load.js';
export { type EdgeConfig, type EdgeConfigInput, edgeConfigSchema } from './config/schema.js';
export type { Hardware } from './drivers/hardware.js';
export { openHardware } from './drivers/open-hardware.js';
export type * from './drivers/ports.js';
export { GateController, type GateSnapshot } from './gate/controller.js';
export type { EntryDecision, GateEventInput, GatePhase } from './gate/types.js';
export { Outbox } from './outbox/store.js';
