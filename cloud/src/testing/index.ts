/**
 * A test kit for packages that test against a real cloud (edge, firmware-sim, bench): a cloud on
 * free ports over a temporary sqlite file, an HTTP client, and a gate's side of the MQTT contract.
 */
export { Api, type ApiResponse } from './api.js';
export { makeTestCertificates, type TestCertificates } from './certificates.js';
export { startTestCloud, type TestCloud, type TestCloudOptions, testConfig } from './cloud.js';
export { eventually } from './eventually.js';
export { event, TestGate } from './gate.js';
export { startTestMosquitto, type TestMosquitto } from './mosquitto.js';
export { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from './postgres.js';
export { startTestPostgresServer, type TestPostgresServer } from './postgres-server.js';
export { type CloudProcess, startCloudProcess } from './process.js';
export { startSite, type TestSite } from './site.js';
export { parseVariant, testVariant, VARIANTS, type Variant } from './variant.js';
