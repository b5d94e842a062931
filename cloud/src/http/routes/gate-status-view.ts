import type { GateReportedStatus } from '../../gateway/gate-status.js';

/** A gate's reported status as the API shows it: every field present, null where the gate never said. */
export function presentStatus(status: GateReportedStatus) {
  const state = status.state;
  return {
    availability: status.availability,
    barrier: state?.barrier ?? null,
    phase: typeof state?.phase === 'string' ? state.phase : null,
    loops: state?.loops ?? {},
    cloudLink: state?.cloudLink ?? null,
    outboxDepth: state?.outboxDepth ?? null,
    alarms: state?.alarms ?? [],
    lastRead: state?.lastRead ?? null,
    seenAt: status.seenAt,
  };
}
