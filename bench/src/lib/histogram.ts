/** Latency histograms on Node's own HDR histogram (perf_hooks), reported in milliseconds. */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export class Latency {
  private readonly h: RecordableHistogram = createHistogram();

  /** Records a duration given in milliseconds (kept in microseconds: the histogram takes integers). */
  record(ms: number): void {
    this.h.record(Math.max(1, Math.round(ms * 1000)));
  }

  summary(): LatencySummary {
    const ms = (us: number) => us / 1000;
    return {
      count: this.h.count,
      p50: ms(this.h.percentile(50)),
      p99: ms(this.h.percentile(99)),
      p999: ms(this.h.percentile(99.9)),
      max: ms(this.h.max),
    };
  }
}
