/**
 * Certificates for TLS tests, made for the run by openssl (Debian's package): a site CA, the
 * broker's certificate for 127.0.0.1 and localhost, a client certificate for one gate, and a CA
 * nobody trusts. Returns the PEM files' paths; `remove()` deletes them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  ca: string;
  otherCa: string;
  brokerCert: string;
  brokerKey: string;
  gateCert: string;
  gateKey: string;
  remove(): void;
}

export function makeTestCertificates(gateId = 'gate'): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'parkinglot-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = ['-newkey', 'rsa:2048', '-nodes'];
  for (const ca of ['ca', 'other-ca']) {
    ssl(
      'req',
      '-x509',
      ...key,
      '-days',
      '2',
      '-subj',
      `/CN=parkinglot ${ca}`,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
    );
  }
  const issue = (name: string, subject: string, extension: string) => {
    writeFileSync(join(dir, `${name}.ext`), `${extension}\n`);
    ssl('req', ...key, '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  };
  issue('broker', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  issue('gate', `/CN=${gateId}`, 'extendedKeyUsage=clientAuth');
  const at = (file: string) => join(dir, file);
  return {
    ca: at('ca.pem'),
    otherCa: at('other-ca.pem'),
    brokerCert: at('broker.pem'),
    brokerKey: at('broker.key'),
    gateCert: at('gate.pem'),
    gateKey: at('gate.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
