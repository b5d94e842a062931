/**
 * The one schema of an edge agent's configuration (a JSON file; see edge/gate.example.json).
 * Every leaf can be overridden from the environment: PARKING_EDGE_ + its path in UPPER_SNAKE_CASE,
 * e.g. mqtt.password -> PARKING_EDGE_MQTT_PASSWORD, board.barrier.relayPin ->
 * PARKING_EDGE_BOARD_BARRIER_RELAY_PIN (env.ts derives the names from this schema).
 */
import { isValidGateId } from '@parkinglot/shared';
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const ms = (min: number, max: number) => int(min, max);
const flag = z.union([z.boolean(), z.stringbool()]);
/** A Firmata pin (0–127), or a GPIO line offset on the chip (board.kind gpio: up to 1023). */
const pin = int(0, 1023);
const FIRMATA_PINS = 128;

/** A field of what may not be an object at all. */
const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;

/**
 * A Firmata board has pins 0–127; GPIO lines go further. Checked even when other fields are wrong
 * (`when`), so that every bad field is still reported at once.
 */
const firmataPinChecks = (
  [
    [['barrier', 'relayPin'], (b: unknown) => field(field(b, 'barrier'), 'relayPin')],
    [['barrier', 'closeRelayPin'], (b: unknown) => field(field(b, 'barrier'), 'closeRelayPin')],
    [['barrier', 'limitSwitchPin'], (b: unknown) => field(field(b, 'barrier'), 'limitSwitchPin')],
    [['loops', 'arrival', 'pin'], (b: unknown) => field(field(field(b, 'loops'), 'arrival'), 'pin')],
    [['loops', 'passage', 'pin'], (b: unknown) => field(field(field(b, 'loops'), 'passage'), 'pin')],
  ] as const
).map(([path, read]) =>
  // Run even when the board did not parse (`when`): it may be anything, even missing.
  z.refine<unknown>(
    (b) => (field(b, 'kind') ?? 'firmata') !== 'firmata' || !(Number(read(b)) >= FIRMATA_PINS),
    {
      path: [...path],
      message: `a Firmata pin is 0–${FIRMATA_PINS - 1}`,
      when: () => true,
    },
  ),
);
/** A device path (/dev/ttyUSB0) or a serial device exposed over TCP (tcp://host:port, as ser2net does). */
const devicePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('tcp:') || /^tcp:\/\/[^:/]+:\d{1,5}$/.test(p), 'expected tcp://host:port');

const loop = z.object({
  pin,
  activeHigh: flag.default(true),
  /** A dry contact switching the line to ground: pull it up (then set activeHigh false). */
  pullUp: flag.default(false),
  debounceMs: ms(0, 5_000).default(50),
});

export const edgeConfigSchema = z
  .object({
    gateId: z.string().refine(isValidGateId, 'letters, digits, _ and - only (1-64)'),
    direction: z.enum(['entry', 'exit']),
    mqtt: z.object({
      /** mqtt://host:port (plain TCP, a site's own network) or mqtts://host:port (TLS, across the internet). */
      url: z
        .string()
        .regex(/^mqtts?:\/\/[^/]+:\d{1,5}\/?$/, 'expected mqtt://host:port or mqtts://host:port'),
      /** With mqtts://: a PEM file of the CA(s) the broker's certificate must chain to (a site CA); default the system's. */
      caFile: z.string().min(1).optional(),
      /** With mqtts://, when the broker asks for one: the gate's certificate and its key (PEM files). */
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
      /** Default: the gate id (the cloud issues gate credentials that way). */
      username: z.string().min(1).optional(),
      password: z.string().min(1),
      reconnectPeriodMs: ms(100, 60_000).default(1_000),
      /** How long the first connection may take before the agent says it runs offline (and keeps trying). */
      connectTimeoutMs: ms(100, 120_000).default(10_000),
    }),
    dataDir: z.string().min(1).default('./edge-data'),
    /** How long an entry waits for the cloud's answer before it denies. */
    authTimeoutMs: ms(50, 10_000).default(800),
    breaker: z
      .object({ failureThreshold: int(1, 100).default(3), cooldownMs: ms(100, 600_000).default(10_000) })
      .default({ failureThreshold: 3, cooldownMs: 10_000 }),
    plateReader: z
      .object({
        path: devicePath,
        baudRate: int(300, 4_000_000).default(9600),
        minConfidence: z.coerce.number().min(0).max(1).default(0.8),
        duplicateWindowMs: ms(0, 600_000).default(3_000),
      })
      .optional(),
    rfidReader: z
      .object({
        path: devicePath,
        baudRate: int(300, 4_000_000).default(9600),
        duplicateWindowMs: ms(0, 600_000).default(2_000),
      })
      .optional(),
    board: z
      .object({
        /** firmata: a Firmata board on a serial line or a TCP bridge; gpio: the agent's own GPIO lines. */
        kind: z.enum(['firmata', 'gpio']).default('firmata'),
        /** firmata: the board's serial device or tcp://host:port. */
        path: devicePath.optional(),
        /**
         * gpio: the GPIO chip (gpiochip0, or /dev/gpiochip0); pins are its line offsets. tcp://host:port
         * is firmware-sim's emulated chip (npm run sim -- --gpio).
         */
        chip: z
          .string()
          .regex(
            /^((\/dev\/)?gpiochip\d{1,3}|tcp:\/\/[^:/]+:\d{1,5})$/,
            'expected gpiochipN, /dev/gpiochipN, or tcp://host:port',
          )
          .default('gpiochip0'),
        baudRate: int(300, 4_000_000).default(57600),
        readyTimeoutMs: ms(1_000, 120_000).default(15_000),
        barrier: z.object({
          relayPin: pin,
          activeHigh: flag.default(true),
          /** hold: the relay is driven while the arm should be up; pulse: a pulse raises it. */
          mode: z.enum(['hold', 'pulse']).default('hold'),
          pulseMs: ms(50, 10_000).default(500),
          /** pulse mode: the relay wired to the controller's "close" input. */
          closeRelayPin: pin.optional(),
          /** Optional closed-limit switch: when wired, "closed" is confirmed by it, not assumed. */
          limitSwitchPin: pin.optional(),
          limitActiveHigh: flag.default(true),
          limitPullUp: flag.default(false),
          limitDebounceMs: ms(0, 5_000).default(0),
          openTimeMs: ms(0, 60_000).default(2_000),
          closeTimeMs: ms(0, 60_000).default(2_000),
        }),
        loops: z.object({ arrival: loop.optional(), passage: loop.optional() }).default({}),
      })
      .check(...firmataPinChecks),
    timing: z
      .object({
        credentialTimeoutMs: ms(1_000, 600_000).optional(),
        passageTimeoutMs: ms(1_000, 600_000).optional(),
        assumedPassageMs: ms(500, 600_000).optional(),
        closeTimeoutMs: ms(1_000, 600_000).optional(),
        maxAttempts: int(1, 20).optional(),
        readAheadMs: ms(0, 60_000).optional(),
      })
      .default({}),
    exitOpensWithoutCredential: flag.default(true),
    /**
     * The opt-in offline allowlist (docs/protocol.md): the cloud's public key (GET /api/signing-key),
     * as its PEM or a file holding it. Without it the gate never admits without the cloud.
     */
    allowlist: z.object({ publicKey: z.string().min(1).max(10_000) }).optional(),
    /**
     * Entry gates with an arrival loop: ask the cloud at the read, while the loop confirms the car;
     * an allow whose car is not confirmed within timing.readAheadMs is released (EntryAborted).
     */
    askAtRead: flag.default(true),
    outbox: z
      .object({
        maxEvents: int(10, 10_000_000).default(100_000),
        batchSize: int(1, 256).default(100),
        ackTimeoutMs: ms(100, 120_000).default(5_000),
        retryMs: ms(50, 600_000).default(1_000),
      })
      .default({ maxEvents: 100_000, batchSize: 100, ackTimeoutMs: 5_000, retryMs: 1_000 }),
    /** The retained state is republished at least this often (and on every change). */
    stateHeartbeatMs: ms(1_000, 3_600_000).default(30_000),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  })
  .superRefine((config, ctx) => {
    const { mqtt } = config;
    if ((mqtt.certFile === undefined) !== (mqtt.keyFile === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'keyFile'],
        message: 'certFile and keyFile go together',
      });
    }
    if (!mqtt.url.startsWith('mqtts:') && (mqtt.caFile || mqtt.certFile)) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'url'],
        message: 'caFile and certFile need an mqtts:// url',
      });
    }
    const { board } = config;
    if (board.kind === 'firmata' && board.path === undefined) {
      ctx.addIssue({ code: 'custom', path: ['board', 'path'], message: 'a Firmata board needs its path' });
    }
    const used = [
      ['barrier', 'relayPin', board.barrier.relayPin],
      ['barrier', 'closeRelayPin', board.barrier.closeRelayPin],
      ['barrier', 'limitSwitchPin', board.barrier.limitSwitchPin],
      ['loops', 'arrival', board.loops.arrival?.pin],
      ['loops', 'passage', board.loops.passage?.pin],
    ].filter((u): u is [string, string, number] => u[2] !== undefined);
    const seen = new Map<number, string>();
    for (const [group, name, p] of used) {
      const path = ['board', group, name, ...(group === 'loops' ? ['pin'] : [])];
      const other = seen.get(p);
      if (other)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${board.kind === 'gpio' ? 'line' : 'pin'} ${p} is ${other} already`,
        });
      seen.set(p, `${group}.${name}`);
    }
    if (config.board.barrier.mode === 'pulse' && config.board.barrier.closeRelayPin === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['board', 'barrier', 'closeRelayPin'],
        message: 'pulse mode needs the close relay pin',
      });
    }
    if (!config.plateReader && !config.rfidReader) {
      ctx.addIssue({
        code: 'custom',
        path: ['plateReader'],
        message: 'a gate needs a plate reader, an RFID reader, or both',
      });
    }
  });

export type EdgeConfig = z.output<typeof edgeConfigSchema>;
export type EdgeConfigInput = z.input<typeof edgeConfigSchema>;
