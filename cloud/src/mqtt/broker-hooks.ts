/**
 * The aedes hooks that turn the ACL in acl.ts into broker behaviour: who gets in (authenticate),
 * where they may publish (authorizePublish, also consulted for last wills) and subscribe
 * (authorizeSubscribe). Every refusal is counted and logged at warn with the client id and topic.
 */

import type { Logger } from '@parkinglot/platform/log';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { canPublish, canRetain, canSubscribe, clientIdFits, type Principal } from './acl.js';

export type Authenticate = (username: string, password: Buffer | undefined) => Promise<Principal | null>;

export interface BrokerStats {
  /** CONNECTs refused: unknown user, wrong password, or a last will the principal may not publish. */
  authFailures: number;
  /** CONNECTs answered "server unavailable" because the authenticate callback failed. */
  authErrors: number;
  /** PUBLISHes refused by the ACL (also a will refused when aedes is about to publish it). */
  publishDenied: number;
  /** SUBSCRIBE topic filters refused by the ACL (answered with SUBACK 0x80). */
  subscribeDenied: number;
  /** Connections closed for a packet larger than allowed (packet-guard.ts). */
  oversized: number;
  /** TLS handshakes that failed (no or an untrusted client certificate, not TLS at all). */
  tlsFailures: number;
}

export const newStats = (): BrokerStats => ({
  authFailures: 0,
  authErrors: 0,
  publishDenied: 0,
  subscribeDenied: 0,
  oversized: 0,
  tlsFailures: 0,
});

// Symbols rather than plain properties so nothing we add can collide with aedes's own fields.
const PRINCIPAL = Symbol('parkinglot.mqtt.principal');
const WILL = Symbol('parkinglot.mqtt.will');
const CLIENT_ID = Symbol('parkinglot.mqtt.clientId');
type Tagged = Client & {
  [PRINCIPAL]?: Principal;
  [WILL]?: { topic: string; retain: boolean };
  /** The client id as sent, and whether it asked for a clean session. */
  [CLIENT_ID]?: { id: string; clean: boolean };
};

/** The principal an aedes client authenticated as; null before authentication or for a null client. */
export function principalOf(client: Client | null | undefined): Principal | null {
  return (client as Tagged | null | undefined)?.[PRINCIPAL] ?? null;
}

// CONNACK return codes, MQTT 3.1.1 table 3.1.
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function refusal(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

type Hooks = Required<
  Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>
>;

export function createBrokerHooks(authenticate: Authenticate, stats: BrokerStats, log: Logger): Hooks {
  return {
    // preConnect is the one public hook that sees the CONNECT packet; keep the will topic so
    // authenticate can check it once the principal is known.
    preConnect(client, packet, callback) {
      const tagged = client as Tagged;
      if (packet.will) tagged[WILL] = { topic: packet.will.topic, retain: packet.will.retain === true };
      tagged[CLIENT_ID] = { id: packet.clientId ?? '', clean: packet.clean !== false };
      callback(null, true);
    },

    authenticate(client, username, password, done) {
      const tagged = client as Tagged;
      const refuse = (code: number, message: string, why: string) => {
        stats.authFailures++;
        log.warn(`CONNECT refused (${why}) for client ${client.id} user ${JSON.stringify(username ?? null)}`);
        done(refusal(code, message), null);
      };
      // [MQTT-3.1.2-18] no user name flag means no user name: nobody gets in anonymously.
      if (username === undefined)
        return refuse(BAD_USERNAME_OR_PASSWORD, 'bad username or password', 'no username');
      const sent = tagged[CLIENT_ID] ?? { id: client.id, clean: true };
      // [MQTT-3.1.3-8] a zero-length client id with CleanSession 0: identifier rejected.
      if (sent.id === '' && !sent.clean)
        return refuse(IDENTIFIER_REJECTED, 'identifier rejected', 'empty client id without a clean session');
      Promise.resolve()
        .then(() => authenticate(username, password))
        .then(
          (principal) => {
            if (!principal)
              return refuse(BAD_USERNAME_OR_PASSWORD, 'bad username or password', 'bad credentials');
            if (!clientIdFits(principal, sent.id))
              return refuse(IDENTIFIER_REJECTED, 'identifier rejected', `client id not this login's`);
            const will = tagged[WILL];
            // Checked as it will be when it fires (authorizePublish): retained or not.
            const willAllowed = will && (will.retain ? canRetain : canPublish)(principal, will.topic);
            if (will !== undefined && !willAllowed) {
              // aedes only checks the will when it is about to publish it, after the client is gone;
              // refusing at CONNECT makes the misconfiguration visible to the gate immediately.
              return refuse(
                NOT_AUTHORIZED,
                'not authorized',
                `will on ${will.topic}${will.retain ? ' (retained)' : ''} not allowed`,
              );
            }
            tagged[PRINCIPAL] = principal;
            done(null, true);
          },
          (error: unknown) => {
            // A failing store (database down) is not the client's fault: "server unavailable" tells
            // it to retry later, whereas 4 would suggest its credentials are wrong.
            stats.authErrors++;
            log.error(`authenticate failed for client ${client.id}; answering "server unavailable"`, error);
            done(refusal(SERVER_UNAVAILABLE, 'server unavailable'), null);
          },
        )
        .catch((error: unknown) => log.error(`authenticate hook failed for client ${client.id}`, error));
    },

    // Called for every inbound PUBLISH and again for the will when a client drops without
    // DISCONNECT (client is null for a stale will of another broker: refused, no principal).
    // An error makes aedes close the connection without acknowledging: MQTT 3.1.1 has no way to
    // tell a client its PUBLISH was refused, so the server must ack or disconnect [MQTT-3.3.5-2].
    // We keep aedes's choice: a PUBACK would tell the gate's outbox the message was delivered.
    // Consequence: MQTT.js keeps the unacked QoS 1 message and replays it on every reconnect, so
    // the gate loops (disconnected before it ever sees 'connect'), one warn per attempt here.
    authorizePublish(client, packet, callback) {
      const principal = principalOf(client);
      const allowed = packet.retain
        ? canRetain(principal, packet.topic)
        : canPublish(principal, packet.topic);
      if (allowed) return callback(null);
      stats.publishDenied++;
      const what = packet.retain ? 'retained PUBLISH' : 'PUBLISH';
      log.warn(`${what} denied for client ${client?.id ?? '(none)'} on ${packet.topic}; disconnecting it`);
      callback(new Error(`not authorized to publish${packet.retain ? ' retained' : ''} on ${packet.topic}`));
    },

    // Calling back with a null subscription makes aedes answer SUBACK 0x80 (Failure) for that
    // filter (MQTT 3.1.1 section 3.9.3) and keep the connection and the other filters.
    authorizeSubscribe(client, subscription, callback) {
      if (canSubscribe(principalOf(client), subscription.topic)) return callback(null, subscription);
      stats.subscribeDenied++;
      log.warn(`SUBSCRIBE denied for client ${client.id} on ${subscription.topic}`);
      callback(null, null);
    },
  };
}
