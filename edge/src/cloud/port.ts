/** What the edge's cloud-facing features need of the MQTT link (MqttConnection provides it). */
export type MessageHandler = (topic: string, payload: Buffer) => void | Promise<void>;

export interface EdgeMqttPort {
  readonly isConnected: boolean;
  subscribe(topic: string, handler: MessageHandler, qos?: 0 | 1): Promise<void>;
  publish(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain?: boolean }): Promise<void>;
  /** false when the link is down; never throws. */
  publishNoWait(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain?: boolean }): boolean;
}
