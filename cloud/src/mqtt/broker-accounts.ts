/**
 * Logins and ACLs on an external Mosquitto, kept by the cloud through the dynamic-security plugin
 * (dynsec.ts): one client and one role per gate, because dynsec ACLs do not substitute `%u`, so a
 * shared "gate" role could not confine a gate to its own topics. The rules are the embedded
 * broker's (acl.ts): a gate publishes only on its own outbound channels and subscribes only to its
 * own inbound ones, under a client id that must be its gate id; operators send commands and read;
 * the cloud does everything under parking/, including its shared subscriptions, which dynsec
 * grants only through a `$share/…` subscribePattern of their own.
 *
 * The embedded broker asks the database at every CONNECT, so there a changed or removed login only
 * has to end the session in hand (EmbeddedAccounts), as Mosquitto's plugin does by itself.
 */
import {
  GATE_PUBLISHES,
  GATE_SUBSCRIBES,
  gateTopic,
  HA_DISCOVERY_PREFIX,
  OPERATORS_PREFIX,
  type OperatorRole,
  TOPIC_ROOT,
  topics,
} from '@parkinglot/shared';
import type { DynsecClient, DynsecCommand } from './dynsec.js';

/** What the domain needs of the broker's accounts (undefined on the embedded broker). */
export interface BrokerAccounts {
  /** The gate's login and role; must succeed before the gate is committed. */
  addGate(gateId: string, password: string): Promise<void>;
  /** Disables the login (a connected gate is cut off at once) and removes it. */
  removeGate(gateId: string): Promise<void>;
  setGatePassword(gateId: string, password: string): Promise<void>;
  /**
   * An operator account's login (username = name, password = token) with its role's rights. A login
   * of that name already there is a BrokerLoginTaken, unless `adopt` (the first admin's, which is
   * this cloud's by definition).
   */
  addOperator(
    name: string,
    password: string,
    role: OperatorRole,
    options?: { adopt?: boolean },
  ): Promise<void>;
  removeOperator(name: string): Promise<void>;
  /** A new password; the account's sessions end. */
  setOperatorPassword(name: string, password: string): Promise<void>;
  /** The login stops working and its sessions end. */
  disableOperator(name: string): Promise<void>;
}

/** The broker already has a login by that name, made by someone else: not to be taken over. */
export class BrokerLoginTaken extends Error {
  constructor(name: string) {
    super(`the broker already has a login named ${name}`);
    this.name = 'BrokerLoginTaken';
  }
}

export const CLOUD_ROLE = 'parkinglot-cloud';
/** The role every operator login had before accounts had roles of their own: removed at start. */
const OLD_OPERATOR_ROLE = 'parkinglot-operator';
export const gateRole = (gateId: string) => `parkinglot-gate-${gateId}`;
export const accountRole = (name: string) => `parkinglot-account-${name}`;

const allow = (acltype: string, topic: string) => ({ acltype, topic, allow: true });

/** Errors that say the thing asked for is already there. */
const alreadyThere = (error: string) =>
  /already exists|already has role|ACL with this topic already exists/i.test(error);

/**
 * Every account reads parking/# and Home Assistant's discovery topics; an operator or admin also
 * publishes on its own command topic and its own Home Assistant command topics.
 */
function accountAcls(name: string, role: OperatorRole) {
  const ha = `${HA_DISCOVERY_PREFIX}/#`;
  return [
    allow('publishClientReceive', `${TOPIC_ROOT}/#`),
    allow('subscribePattern', `${TOPIC_ROOT}/#`),
    allow('publishClientReceive', ha),
    allow('subscribePattern', ha),
    ...(role === 'viewer'
      ? []
      : [
          allow('publishClientSend', topics.operatorCommand(name)),
          allow('publishClientSend', `${OPERATORS_PREFIX}${name}/ha/#`),
        ]),
  ];
}

function gateAcls(gateId: string) {
  return [
    ...[...GATE_PUBLISHES].map((channel) => allow('publishClientSend', gateTopic(gateId, channel))),
    ...[...GATE_SUBSCRIBES].map((channel) => allow('subscribeLiteral', gateTopic(gateId, channel))),
  ];
}

export class DynsecAccounts implements BrokerAccounts {
  constructor(private readonly dynsec: DynsecClient) {}

  /**
   * The cloud's own rights beside the plugin's admin role, and the first admin's login. Run at
   * every start; a role or ACL already there is left as it is. Giving the cloud's own login its role
   * makes the plugin disconnect that login (it kicks a client whose roles change), so that is done
   * last, only when the role is missing, and `reconnected` waits for the link to come back.
   */
  async prepare(options: {
    cloudUsername: string;
    shareGroup: string | null;
    /** The first admin's name and token. */
    firstAdmin: { name: string; password: string };
    reconnected: () => Promise<void>;
  }): Promise<void> {
    const root = `${TOPIC_ROOT}/#`;
    const cloudAcls = [
      allow('publishClientSend', root),
      allow('publishClientSend', `${HA_DISCOVERY_PREFIX}/#`),
      allow('publishClientReceive', root),
      allow('subscribePattern', root),
      ...(options.shareGroup ? [allow('subscribePattern', `$share/${options.shareGroup}/${root}`)] : []),
    ];
    const role = (rolename: string, acls: ReturnType<typeof allow>[]): DynsecCommand[] => [
      { command: 'createRole', rolename },
      ...acls.map((acl) => ({ command: 'addRoleACL', rolename, ...acl })),
    ];
    const admin = options.firstAdmin;
    await this.dynsec.run(role(CLOUD_ROLE, cloudAcls), alreadyThere);
    // Before accounts, every operator shared a role that could publish to any gate's command topic.
    await this.dynsec.run([{ command: 'deleteRole', rolename: OLD_OPERATOR_ROLE }], (e) =>
      /not found/i.test(e),
    );
    // The token may have changed since the login was made: addOperator sets it again.
    await this.addOperator(admin.name, admin.password, 'admin', { adopt: true });
    if (await this.hasRole(options.cloudUsername, CLOUD_ROLE)) return;
    this.dynsec.sendOnly({ command: 'addClientRole', username: options.cloudUsername, rolename: CLOUD_ROLE });
    await options.reconnected();
    if (!(await this.hasRole(options.cloudUsername, CLOUD_ROLE))) {
      throw new Error(`the login ${options.cloudUsername} did not get the role ${CLOUD_ROLE}`);
    }
  }

  private async hasRole(username: string, rolename: string): Promise<boolean> {
    const [response] = await this.dynsec.run([{ command: 'getClient', username }]);
    const roles = (response?.data as { client?: { roles?: { rolename?: string }[] } } | undefined)?.client
      ?.roles;
    return (roles ?? []).some((r) => r.rolename === rolename);
  }

  /**
   * The role (its name is this cloud's: `parkinglot-account-…`) is made or kept; account names are
   * never reused, so one already there has this account's ACLs. The login must be new, unless
   * adopted: then it is kept, given the role if it lacks it, and its password set and it enabled.
   */
  async addOperator(
    name: string,
    password: string,
    role: OperatorRole,
    options: { adopt?: boolean } = {},
  ): Promise<void> {
    const rolename = accountRole(name);
    await this.dynsec.run(
      [
        { command: 'createRole', rolename },
        ...accountAcls(name, role).map((acl) => ({ command: 'addRoleACL', rolename, ...acl })),
      ],
      alreadyThere,
    );
    // No client id is bound: an account may have several consoles open (Mosquitto binds one id).
    const create = { command: 'createClient', username: name, password, roles: [{ rolename }] };
    if (!options.adopt) {
      const [response] = await this.dynsec.run([create], alreadyThere);
      if (response?.error !== undefined) throw new BrokerLoginTaken(name);
      return;
    }
    await this.dynsec.run([create], alreadyThere);
    if (!(await this.hasRole(name, rolename))) {
      await this.dynsec.run([{ command: 'addClientRole', username: name, rolename }]);
    }
    await this.dynsec.run([
      { command: 'setClientPassword', username: name, password },
      { command: 'enableClient', username: name },
    ]);
  }

  async removeOperator(name: string): Promise<void> {
    await this.dynsec.run(
      [
        { command: 'disableClient', username: name },
        { command: 'deleteClient', username: name },
        { command: 'deleteRole', rolename: accountRole(name) },
      ],
      (error) => /not found/i.test(error),
    );
  }

  async setOperatorPassword(name: string, password: string): Promise<void> {
    await this.dynsec.run([{ command: 'setClientPassword', username: name, password }]);
  }

  async disableOperator(name: string): Promise<void> {
    // disableClient also disconnects every session of the login.
    await this.dynsec.run([{ command: 'disableClient', username: name }], (error) =>
      /not found/i.test(error),
    );
  }

  /**
   * Gives gates made before a channel was added to their ACL (the offline allowlist) what their
   * role now lists. Run at start; what is there already is left as it is.
   */
  async grantGateAcls(gateIds: string[]): Promise<void> {
    for (let i = 0; i < gateIds.length; i += 100) {
      await this.dynsec.run(
        gateIds
          .slice(i, i + 100)
          .flatMap((gateId) =>
            gateAcls(gateId).map((acl) => ({ command: 'addRoleACL', rolename: gateRole(gateId), ...acl })),
          ),
        (error) => alreadyThere(error) || /not found/i.test(error),
      );
    }
  }

  async addGate(gateId: string, password: string): Promise<void> {
    const rolename = gateRole(gateId);
    await this.dynsec.run([
      { command: 'createRole', rolename, acls: gateAcls(gateId) },
      { command: 'createClient', username: gateId, password, clientid: gateId, roles: [{ rolename }] },
    ]);
  }

  async removeGate(gateId: string): Promise<void> {
    const missing = (error: string) => /not found/i.test(error);
    await this.dynsec.run(
      [
        // disableClient first: it also disconnects a gate that is connected now.
        { command: 'disableClient', username: gateId },
        { command: 'deleteClient', username: gateId },
        { command: 'deleteRole', rolename: gateRole(gateId) },
      ],
      missing,
    );
  }

  async setGatePassword(gateId: string, password: string): Promise<void> {
    await this.dynsec.run([{ command: 'setClientPassword', username: gateId, password }]);
  }
}

/** The embedded broker's side: logins live in the database; a change ends the gate's session now. */
export class EmbeddedAccounts implements BrokerAccounts {
  constructor(
    private readonly broker: { disconnect(clientId: string): void; disconnectAccount(name: string): void },
  ) {}

  async addOperator(): Promise<void> {}

  async removeOperator(name: string): Promise<void> {
    this.broker.disconnectAccount(name);
  }

  async setOperatorPassword(name: string): Promise<void> {
    this.broker.disconnectAccount(name);
  }

  async disableOperator(name: string): Promise<void> {
    this.broker.disconnectAccount(name);
  }

  async addGate(): Promise<void> {}

  async removeGate(gateId: string): Promise<void> {
    this.broker.disconnect(gateId);
  }

  async setGatePassword(gateId: string): Promise<void> {
    this.broker.disconnect(gateId);
  }
}
