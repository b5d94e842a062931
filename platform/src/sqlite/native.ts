/**
 * The sqlite3 callback API as promises. sqlite3 builds its errors on the native side, so their stack is
 * only the message; we capture the caller's stack before each call and graft it on, keeping the error
 * object itself (and its `code` / `errno`) intact.
 */

import type { Database, Statement } from 'sqlite3';
import sqlite3 from 'sqlite3';

export interface RunOutcome {
  changes: number;
  lastID: number;
}

export function open(filename: string): Promise<Database> {
  const trace = new Error();
  return new Promise((resolve, reject) => {
    // Without a callback a failed open is emitted as an 'error' event and would crash the process.
    const db: Database = new sqlite3.Database(filename, (err) => {
      if (err) reject(withTrace(err, trace));
      else resolve(db);
    });
  });
}

export function run(db: Database, sql: string, params: readonly unknown[] = []): Promise<RunOutcome> {
  const trace = new Error();
  return new Promise((resolve, reject) => {
    db.run(sql, params, function (err) {
      if (err) reject(withTrace(err, trace));
      else resolve({ changes: this.changes, lastID: this.lastID });
    });
  });
}

export function prepare(db: Database, sql: string): Promise<Statement> {
  const trace = new Error();
  return new Promise((resolve, reject) => {
    const statement: Statement = db.prepare(sql, (err) => {
      if (err) reject(withTrace(err, trace));
      else resolve(statement);
    });
  });
}

export function runPrepared(statement: Statement, params: readonly unknown[]): Promise<RunOutcome> {
  const trace = new Error();
  return new Promise((resolve, reject) => {
    statement.run(params, function (err) {
      if (err) reject(withTrace(err, trace));
      else resolve({ changes: this.changes, lastID: this.lastID });
    });
  });
}

export function allPrepared<R>(statement: Statement, params: readonly unknown[]): Promise<R[]> {
  const trace = new Error();
  return new Promise((resolve, reject) => {
    statement.all<R>(params, (err, rows) => {
      if (err) reject(withTrace(err, trace));
      else resolve(rows);
    });
  });
}

export function finalize(statement: Statement): Promise<void> {
  return new Promise((resolve) => statement.finalize(() => resolve()));
}

export function close(db: Database): Promise<void> {
  const trace = new Error();
  return new Promise((resolve, reject) => {
    db.close((err) => {
      if (err) reject(withTrace(err, trace));
      else resolve();
    });
  });
}

function withTrace(err: Error, trace: Error): Error {
  const frames = trace.stack?.split('\n').slice(1).join('\n');
  if (frames) err.stack = `${err.name}: ${err.message}\n${frames}`;
  return err;
}
