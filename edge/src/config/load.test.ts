import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EdgeConfigError, envName, leafPaths, loadEdgeConfig } from './load.js';

const example = join(import.meta.dirname, '..', '..', 'gate.example.json');

function write(value: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'parkinglot-edge-config-'));
  const file = join(dir, 'gate.json');
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof EdgeConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected an EdgeConfigError');
}

describe('edge configuration', () => {
  it('loads the example config with its defaults', () => {
    const config = loadEdgeConfig({ file: example, env: {} });
    expect(config).toMatchObject({
      direction: 'entry',
      authTimeoutMs: 800,
      breaker: { failureThreshold: 3, cooldownMs: 10_000 },
      board: {
        barrier: { relayPin: 8, mode: 'hold', limitSwitchPin: 7 },
        loops: { arrival: { pin: 2, activeHigh: true } },
      },
      exitOpensWithoutCredential: true,
    });
  });

  it('derives an environment variable for every leaf and applies it over the file', () => {
    const names = leafPaths().map(envName);
    expect(names).toContain('PARKING_EDGE_MQTT_PASSWORD');
    expect(names).toContain('PARKING_EDGE_BOARD_BARRIER_RELAY_PIN');
    expect(names).toContain('PARKING_EDGE_BOARD_LOOPS_PASSAGE_ACTIVE_HIGH');
    const config = loadEdgeConfig({
      file: example,
      env: {
        PARKING_EDGE_MQTT_PASSWORD: 's3cret',
        PARKING_EDGE_BOARD_BARRIER_RELAY_PIN: '9',
        PARKING_EDGE_EXIT_OPENS_WITHOUT_CREDENTIAL: 'false',
        PARKING_EDGE_AUTH_TIMEOUT_MS: '500',
      },
    });
    expect(config.mqtt.password).toBe('s3cret');
    expect(config.board.barrier.relayPin).toBe(9);
    expect(config.exitOpensWithoutCredential).toBe(false);
    expect(config.authTimeoutMs).toBe(500);
  });

  it('reports every bad field at once, by path and variable', () => {
    const file = write({
      gateId: 'gate/../x',
      direction: 'sideways',
      mqtt: { url: 'http://cloud', password: '' },
      board: { path: 'tcp://nohost', barrier: { relayPin: 500 } },
    });
    const list = problems(() => loadEdgeConfig({ file, env: {} }));
    expect(list.join('\n')).toContain('gateId (PARKING_EDGE_GATE_ID)');
    expect(list.join('\n')).toContain('direction (PARKING_EDGE_DIRECTION)');
    expect(list.join('\n')).toContain('mqtt.url (PARKING_EDGE_MQTT_URL)');
    expect(list.join('\n')).toContain('mqtt.password (PARKING_EDGE_MQTT_PASSWORD)');
    expect(list.join('\n')).toContain('board.path (PARKING_EDGE_BOARD_PATH): expected tcp://host:port');
    expect(list.join('\n')).toContain('board.barrier.relayPin (PARKING_EDGE_BOARD_BARRIER_RELAY_PIN)');
  });

  it('needs at least one reader', () => {
    const file = write({
      gateId: 'g1',
      direction: 'exit',
      mqtt: { url: 'mqtt://h:1', password: 'p' },
      board: { path: '/dev/x', barrier: { relayPin: 8 } },
    });
    expect(problems(() => loadEdgeConfig({ file, env: {} }))).toEqual([
      'plateReader (PARKING_EDGE_PLATE_READER): a gate needs a plate reader, an RFID reader, or both',
    ]);
  });

  it('names a missing or broken file', () => {
    expect(problems(() => loadEdgeConfig({ file: '/nonexistent.json', env: {} }))[0]).toMatch(/ENOENT/);
    expect(problems(() => loadEdgeConfig({ file: write('{ nope'), env: {} }))[0]).toMatch(/not JSON/);
    expect(problems(() => loadEdgeConfig({ file: write('[1]'), env: {} }))[0]).toMatch(
      /expected a JSON object/,
    );
  });

  it('takes a GPIO board: a chip and line offsets, no path, each line used once', () => {
    const base = JSON.parse(readFileSync(example, 'utf8'));
    const gpio = {
      ...base,
      board: {
        kind: 'gpio',
        chip: '/dev/gpiochip0',
        barrier: {
          relayPin: 17,
          limitSwitchPin: 300,
          limitActiveHigh: false,
          limitPullUp: true,
          limitDebounceMs: 20,
        },
        loops: { arrival: { pin: 22, activeHigh: false, pullUp: true, debounceMs: 80 } },
      },
    };
    const config = loadEdgeConfig({
      file: write(gpio),
      env: { PARKING_EDGE_BOARD_LOOPS_ARRIVAL_DEBOUNCE_MS: '60' },
    });
    expect(config.board).toMatchObject({
      kind: 'gpio',
      chip: '/dev/gpiochip0',
      barrier: { relayPin: 17, limitSwitchPin: 300, limitPullUp: true, limitDebounceMs: 20 },
      loops: { arrival: { pin: 22, activeHigh: false, pullUp: true, debounceMs: 60 } },
    });
    const clash = problems(() =>
      loadEdgeConfig({
        file: write({ ...gpio, board: { ...gpio.board, chip: 'gpio0', loops: { arrival: { pin: 17 } } } }),
        env: {},
      }),
    ).join('\n');
    expect(clash).toContain(
      'board.chip (PARKING_EDGE_BOARD_CHIP): expected gpiochipN, /dev/gpiochipN, or tcp://host:port',
    );
    const firmata = problems(() =>
      loadEdgeConfig({ file: write({ ...gpio, board: { ...gpio.board, kind: 'firmata' } }), env: {} }),
    ).join('\n');
    expect(firmata).toContain('board.path (PARKING_EDGE_BOARD_PATH): a Firmata board needs its path');
    expect(firmata).toContain(
      'board.barrier.limitSwitchPin (PARKING_EDGE_BOARD_BARRIER_LIMIT_SWITCH_PIN): a Firmata pin is 0–127',
    );
    const twice = problems(() =>
      loadEdgeConfig({
        file: write({ ...gpio, board: { ...gpio.board, loops: { arrival: { pin: 17 } } } }),
        env: {},
      }),
    ).join('\n');
    expect(twice).toContain(
      'board.loops.arrival.pin (PARKING_EDGE_BOARD_LOOPS_ARRIVAL_PIN): line 17 is barrier.relayPin already',
    );
  });
});
