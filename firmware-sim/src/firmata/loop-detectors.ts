/**
 * Inductive loop detectors as the board sees them: each detector's presence output is wired to a
 * digital input pin. Most detectors switch a relay contact; `activeHigh` says which level means
 * "vehicle present" on the pin (HIGH by default; LOW for a contact pulling an input-pullup down).
 */
import type { PinBank } from './device.js';

export interface LoopWiring {
  pin: number;
  /** Default true: the pin reads HIGH while a vehicle is over the loop. */
  activeHigh?: boolean;
}

export class LoopDetectors<Name extends string = string> {
  private readonly wiring = new Map<Name, Required<LoopWiring>>();
  private readonly present = new Map<Name, boolean>();

  constructor(
    private readonly device: PinBank,
    loops: Record<Name, number | LoopWiring>,
  ) {
    for (const [name, spec] of Object.entries(loops) as [Name, number | LoopWiring][]) {
      const wiring =
        typeof spec === 'number' ? { pin: spec, activeHigh: true } : { activeHigh: true, ...spec };
      this.wiring.set(name, wiring);
      this.vehicleOver(name, false);
    }
  }

  /** The simulation puts a vehicle over the loop (or takes it away); the pin follows at once. */
  vehicleOver(loop: Name, present: boolean): void {
    const wiring = this.wiring.get(loop);
    if (!wiring) throw new Error(`no loop detector named ${loop}`);
    this.present.set(loop, present);
    this.device.setInput(wiring.pin, present === wiring.activeHigh);
  }

  isPresent(loop: Name): boolean {
    return this.present.get(loop) ?? false;
  }
}
