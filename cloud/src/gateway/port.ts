import type { DomainContext } from '../domain/context.js';
import type { CloudMetrics } from '../metrics/cloud-metrics.js';
import type { GateDirectory } from './gate-directory.js';

/** What the gateway features need of an MQTT connection; MqttConnection provides it. */
export type MessageHandler = (
  topic: string,
  payload: Buffer,
  info: { retain: boolean },
) => void | Promise<void>;

export interface MqttPort {
  readonly isConnected: boolean;
  subscribe(topic: string, handler: MessageHandler, qos?: 0 | 1): Promise<void>;
  publish(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain?: boolean }): Promise<void>;
}

/** What every gateway feature is built from. */
export interface GatewayDeps {
  ctx: DomainContext;
  mqtt: MqttPort;
  gates: GateDirectory;
  metrics: CloudMetrics;
  /** Subscribe to the gates' topics in this shared-subscription group (several instances), or plainly. */
  shareGroup?: string | null;
}
