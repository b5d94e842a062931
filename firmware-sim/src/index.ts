export * from './camera/index.js';
export {
  DEFAULT_GATE_PINS,
  type EmulatedSerialDevice,
  type GateAddresses,
  type GateDevices,
  type GateDevicesOptions,
  type GatePins,
  LOOP_DEBOUNCE_MS,
  startGateDevices,
} from './cli/devices.js';
export * from './firmata/index.js';
export * from './rfid/index.js';
export { type CarPlan, STANDARD_CAST } from './scenario/cast.js';
export {
  type Approach,
  approach,
  backAway,
  driveThrough,
  type GateHardware,
  gateHardware,
} from './scenario/drive.js';
export type { Programs } from './scenario/processes.js';
export { checkEventCounts, runScenario } from './scenario/scenario.js';
export {
  agentConfig,
  type SiteOptions,
  type SiteRun,
  scenarioGates,
  startSite,
} from './scenario/site-run.js';
export * from './serial/index.js';
