/**
 * Where the cloud is and who the console signs in as: from the flags, then the environment, then
 * the data directory `npm start` wrote (`cloud.json` with its addresses, `operator-token` with the
 * first admin's token). Each setting says where it came from, so a wrong one is easy to trace.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ConsoleSettings {
  cloudUrl: string;
  mqttUrl: string;
  user: string;
  token: string;
  /** Where each came from, for `--verbose` and for error messages. */
  sources: Record<'cloudUrl' | 'mqttUrl' | 'user' | 'token', string>;
}

export interface SettingFlags {
  cloud?: string;
  mqtt?: string;
  user?: string;
  token?: string;
  dataDir?: string;
}

export const ENV = {
  cloud: 'PARKING_CLOUD_URL',
  mqtt: 'PARKING_BROKER_URL',
  user: 'PARKING_OPERATOR',
  token: 'PARKING_TOKEN',
  dataDir: 'PARKING_DATA_DIR',
} as const;

export class SettingsError extends Error {}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function readText(file: string): string | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text.length > 0 ? text : null;
  } catch {
    return null;
  }
}

export function resolveSettings(flags: SettingFlags, env: NodeJS.ProcessEnv = process.env): ConsoleSettings {
  const dataDir = flags.dataDir ?? env[ENV.dataDir] ?? './data';
  const saved = readJson(join(dataDir, 'cloud.json'));
  const savedToken = readText(join(dataDir, 'operator-token'));
  const pick = (
    flag: string | undefined,
    flagName: string,
    envName: string,
    fromData: string | null,
    dataName: string,
  ): [string, string] | null => {
    if (flag) return [flag, `--${flagName}`];
    const fromEnv = env[envName];
    if (fromEnv) return [fromEnv, envName];
    return fromData ? [fromData, `${join(dataDir, dataName)}`] : null;
  };
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  const cloudUrl = pick(flags.cloud, 'cloud', ENV.cloud, str(saved?.httpUrl), 'cloud.json');
  const mqttUrl = pick(flags.mqtt, 'mqtt', ENV.mqtt, str(saved?.mqttUrl), 'cloud.json');
  const token = pick(flags.token, 'token', ENV.token, savedToken, 'operator-token');
  // The saved token is the first admin's, whose login is `operator`.
  const user = pick(
    flags.user,
    'user',
    ENV.user,
    token?.[1].endsWith('operator-token') ? 'operator' : null,
    'operator-token',
  );
  const missing = [
    cloudUrl ? null : `the cloud's address (--cloud or ${ENV.cloud})`,
    mqttUrl ? null : `the broker's address (--mqtt or ${ENV.mqtt})`,
    user ? null : `the account name (--user or ${ENV.user})`,
    token ? null : `the account's token (--token or ${ENV.token})`,
  ].filter((m): m is string => m !== null);
  if (missing.length > 0) {
    throw new SettingsError(
      `missing ${missing.join(', ')}; on the machine that runs the cloud they are read from ${dataDir}/cloud.json and ${dataDir}/operator-token`,
    );
  }
  return {
    cloudUrl: cloudUrl![0].replace(/\/+$/, ''),
    mqttUrl: mqttUrl![0],
    user: user![0],
    token: token![0],
    sources: { cloudUrl: cloudUrl![1], mqttUrl: mqttUrl![1], user: user![1], token: token![1] },
  };
}
