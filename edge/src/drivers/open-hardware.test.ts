/** A gate's hardware opened from a GPIO configuration, on the in-memory chip. */
import { quietLogger } from '@parkinglot/platform/log';
import { systemClock } from '@parkinglot/platform/time';
import { describe, expect, it } from 'vitest';
import { loadEdgeConfig } from '../config/load.js';
import { FakeGpioBinding } from './gpio/fake.js';
import { openHardware } from './open-hardware.js';

const example = new URL('../../gate.gpio.example.json', import.meta.url).pathname;

describe('hardware on GPIO', () => {
  it('drives the relay and reads the loops and the limit switch through the chip, and reports a lost chip', async () => {
    const gpio = new FakeGpioBinding();
    const chip = gpio.chip();
    chip.drive(22, false); // the arm is down, on its limit switch
    let lost = 0;
    // No debounce here: debouncing is the drivers' own, tested with fake timers (gpio/pins.test.ts).
    const env = { PARKING_EDGE_BOARD_LOOPS_ARRIVAL_DEBOUNCE_MS: '0' };
    const hardware = await openHardware(loadEdgeConfig({ file: example, env }), {
      log: quietLogger(),
      clock: systemClock,
      onBoardLost: () => lost++,
      gpio,
    });
    expect(hardware.barrier.position).toBe('closed');
    expect(hardware.barrier.hasLimitSwitch).toBe(true);
    await hardware.barrier.open();
    expect(chip.level(17)).toBe(false); // an active-low relay module, energised
    chip.drive(23, false);
    expect(hardware.arrival?.present).toBe(true);
    expect(chip.bias(24)).toBe('pull-up');
    chip.lose();
    expect(lost).toBe(1);
    expect(hardware.barrier.position).toBe('unknown');
    await hardware.close();
    expect(chip.closed).toBe(true);
  });

  it('says which chip it could not open', async () => {
    const config = loadEdgeConfig({ file: example, env: { PARKING_EDGE_BOARD_CHIP: 'gpiochip3' } });
    await expect(
      openHardware(config, {
        log: quietLogger(),
        clock: systemClock,
        onBoardLost: () => undefined,
        gpio: new FakeGpioBinding(),
      }),
    ).rejects.toThrow(/GPIO chip gpiochip3 not found/);
  });
});
