/**
 * The one schema of the cloud's configuration: defaults, validation and the environment variable of
 * every setting are declared here and nowhere else (docs/configuration.md is generated from the same
 * table by hand; keep them in step).
 */
import { operatorNameSchema } from '@parkinglot/shared';
import { z } from 'zod';
import { parseDuration } from './duration.js';

const port = z.coerce.number().int().min(0).max(65535);
/** A duration within [min, max]: a zero window would switch a guard off, and Node timers cap at 2^31-1 ms. */
const duration = (fallback: string, min: string, max: string) =>
  z
    .union([z.string(), z.number()])
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      const [lo, hi] = [parseDuration(min)!, parseDuration(max)!];
      if (ms !== null && (ms < lo || ms > hi)) {
        ctx.addIssue({
          code: 'custom',
          message: `must be between ${min} and ${max}, got ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      if (ms === null) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration such as 500ms, 30s, 15m or 2h, got ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      return ms;
    });

/** On or off: true/false (a file may say it as JSON), also 1/0, yes/no, on/off from the environment. */
const flag = (fallback: boolean) =>
  z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])])
    .default(fallback)
    .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes' || v === 'on');

export const configSchema = z
  .object({
    httpHost: z.string().min(1).default('0.0.0.0'),
    /** Unset: 8080, or the next free port if 8080 is taken. */
    httpPort: port.optional(),
    mqttHost: z.string().min(1).default('0.0.0.0'),
    /** Unset: 1883, or the next free port if 1883 is taken (a Mosquitto may already be there). */
    mqttPort: port.optional(),
    mqttUrl: z
      .string()
      .regex(/^mqtt:\/\/([^@/]+@)?[^/]+:\d{1,5}\/?$/, 'expected mqtt://[user:password@]host:port')
      .optional(),
    /**
     * With an external broker, the shared-subscription group the instances answer gates in
     * (`$share/<group>/…`), so each request is handled once; `none` subscribes plainly.
     */
    mqttShareGroup: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected letters, digits, - and _ (at most 64), or none')
      .default('parkinglot-cloud'),
    /**
     * With an external broker: `dynsec` keeps every gate's login and ACL on Mosquitto's
     * dynamic-security plugin (the cloud's login must be its admin); `none` leaves them to the
     * broker's own configuration.
     */
    mqttProvisioning: z.enum(['dynsec', 'none']).default('dynsec'),
    /** A TLS listener of the embedded broker beside the plain one, for gates across the internet. */
    mqttTlsPort: port.optional(),
    /** The embedded broker's certificate chain and key (PEM files); required with mqttTlsPort. */
    mqttTlsCert: z.string().min(1).optional(),
    mqttTlsKey: z.string().min(1).optional(),
    /** When set, gates on the TLS port must present a certificate issued by this CA (PEM file). */
    mqttTlsClientCa: z.string().min(1).optional(),
    dataDir: z.string().min(1).default('./data'),
    databaseUrl: z.string().min(1).optional(),
    operatorToken: z.string().min(16, 'must be at least 16 characters').optional(),
    reservationHold: duration('15m', '1m', '7d'),
    admissionWindow: duration('2m', '5s', '1h'),
    expirySweepInterval: duration('10s', '100ms', '1h'),
    /** How long an operator command waits for the gate to carry it out (a slow barrier needs more). */
    commandTimeout: duration('5s', '100ms', '2m'),
    /**
     * How long a stop (SIGTERM) may take: requests in flight are finished within most of it, and the
     * process exits at its end whatever is left. Under a pod's grace period (30 s by default).
     */
    shutdownTimeout: duration('25s', '1s', '10m'),
    /** Home Assistant MQTT discovery of every gate (off unless asked for). */
    haDiscovery: flag(false),
    /** The operator account Home Assistant signs in as; its commands come on that account's topics. */
    haAccount: operatorNameSchema.default('homeassistant'),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  })
  .superRefine((config, ctx) => {
    if (config.mqttTlsPort !== undefined && (!config.mqttTlsCert || !config.mqttTlsKey)) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqttTlsCert'],
        message: 'the TLS port needs mqttTlsCert and mqttTlsKey',
      });
    }
    if (
      config.mqttTlsPort === undefined &&
      (config.mqttTlsCert || config.mqttTlsKey || config.mqttTlsClientCa)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqttTlsPort'],
        message: 'TLS certificates are set but no mqttTlsPort',
      });
    }
  });

export type Config = z.output<typeof configSchema>;
export const DEFAULT_HTTP_PORT = 8080;
export const DEFAULT_MQTT_PORT = 1883;

export type ConfigInput = z.input<typeof configSchema>;

/** Each setting's environment variable. */
export const ENV_NAMES: Record<keyof Config, string> = {
  httpHost: 'PARKING_HTTP_HOST',
  httpPort: 'PARKING_HTTP_PORT',
  mqttHost: 'PARKING_MQTT_HOST',
  mqttPort: 'PARKING_MQTT_PORT',
  mqttUrl: 'PARKING_MQTT_URL',
  mqttShareGroup: 'PARKING_MQTT_SHARE_GROUP',
  mqttProvisioning: 'PARKING_MQTT_PROVISIONING',
  mqttTlsPort: 'PARKING_MQTT_TLS_PORT',
  mqttTlsCert: 'PARKING_MQTT_TLS_CERT',
  mqttTlsKey: 'PARKING_MQTT_TLS_KEY',
  mqttTlsClientCa: 'PARKING_MQTT_TLS_CLIENT_CA',
  dataDir: 'PARKING_DATA_DIR',
  databaseUrl: 'PARKING_DATABASE_URL',
  operatorToken: 'PARKING_OPERATOR_TOKEN',
  reservationHold: 'PARKING_RESERVATION_HOLD',
  admissionWindow: 'PARKING_ADMISSION_WINDOW',
  expirySweepInterval: 'PARKING_EXPIRY_SWEEP_INTERVAL',
  commandTimeout: 'PARKING_COMMAND_TIMEOUT',
  shutdownTimeout: 'PARKING_SHUTDOWN_TIMEOUT',
  haDiscovery: 'PARKING_HA_DISCOVERY',
  haAccount: 'PARKING_HA_ACCOUNT',
  logLevel: 'PARKING_LOG_LEVEL',
};
