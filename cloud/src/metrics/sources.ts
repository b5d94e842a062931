/** Where the scrape-time gauges read from: the gate directory and statuses, the log, the embedded broker. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { getCheckpoint, lastSeq } from '../domain/event-log.js';
import type { GateDirectory } from '../gateway/gate-directory.js';
import type { GateStatus } from '../gateway/gate-status.js';
import type { EmbeddedBroker } from '../mqtt/broker.js';
import { PUBLISHER_CHECKPOINT } from '../projection/publisher.js';
import { SCHEDULE_CHECKPOINT } from '../projection/schedule-projector.js';
import type { MetricSources } from './cloud-metrics.js';

export function metricSources(deps: {
  db: Kysely<Database>;
  gates: GateDirectory;
  gateStatus: GateStatus;
  broker: EmbeddedBroker | null;
}): MetricSources {
  const { db, gates, gateStatus, broker } = deps;
  return {
    gates: () =>
      gates.all().map((gate) => {
        const status = gateStatus.get(gate.id);
        return {
          gateId: gate.id,
          facilityId: gate.facility_id,
          online: status.availability === 'online',
          outboxDepth: status.state?.outboxDepth ?? null,
        };
      }),
    brokerRefusals: () => (broker ? { ...broker.stats } : null),
    lag: async () => {
      const [head, projected, published] = await Promise.all([
        lastSeq(db),
        getCheckpoint(db, SCHEDULE_CHECKPOINT),
        getCheckpoint(db, PUBLISHER_CHECKPOINT),
      ]);
      return { projector: Math.max(0, head - projected), publisher: Math.max(0, head - published) };
    },
  };
}
