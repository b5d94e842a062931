export { Sqlite3Connection } from './connection.js';
export { Sqlite3Dialect, type Sqlite3DialectConfig, type Synchronous } from './dialect.js';
export { Sqlite3Core, Sqlite3Driver } from './driver.js';
export { LANES, type Lane } from './mutex.js';
