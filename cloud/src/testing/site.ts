/** A running cloud with one seeded facility and its entry and exit gates connected over MQTT. */
import type { ConfigInput } from '../config/schema.js';
import { startTestCloud, type TestCloud, type TestCloudOptions } from './cloud.js';
import { TestGate } from './gate.js';

export interface TestSite {
  t: TestCloud;
  site: Awaited<ReturnType<TestCloud['api']['seedFacility']>>;
  entry: TestGate;
  exit: TestGate;
  close(): Promise<void>;
}

export async function startSite(
  spaces: string[],
  overrides: Partial<ConfigInput> = {},
  options: TestCloudOptions = {},
): Promise<TestSite> {
  const t = await startTestCloud(overrides, options);
  const site = await t.api.seedFacility(spaces);
  const entry = await TestGate.connect(t.cloud.mqttUrl, site.entry.mqtt.username, site.entry.mqtt.password);
  const exit = await TestGate.connect(t.cloud.mqttUrl, site.exit.mqtt.username, site.exit.mqtt.password);
  return {
    t,
    site,
    entry,
    exit,
    async close() {
      await entry.close();
      await exit.close();
      await t.close();
    },
  };
}
