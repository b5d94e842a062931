#!/usr/bin/env node
/**
 * `node scripts/package.mjs <workspace> <dir>`: one program's production tree, after `npm ci` and
 * `npm run build` here. `dir` gets the workspaces the program is made of (their package.json and
 * dist/, the cloud's web/ too) and their production dependencies only, installed from the lockfile;
 * `node <dir>/<workspace>/dist/main.js` runs it, with no TypeScript loader and no dev dependency.
 * The container images run exactly this (deploy/*.Dockerfile), and so does the test of the built
 * programs (deploy/test/built.test.ts).
 *
 * Native bindings (sqlite3) are not compiled a second time: the build tree compiled them for this
 * machine, and their build output is copied over. Progress goes to stderr; exit 2 on bad arguments,
 * 1 when a step fails.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PROGRAMS = ['cloud', 'edge', 'console', 'firmware-sim'];
/** Beside dist/, what a workspace needs at run time. */
const RUNTIME_FILES = { cloud: ['web'] };

const say = (line) => process.stderr.write(`package: ${line}\n`);
const fail = (message, code = 1) => {
  process.stderr.write(`package: ${message}\n`);
  process.exit(code);
};

const [program, target] = process.argv.slice(2);
if (!program || !target || !PROGRAMS.includes(program)) {
  fail(`usage: node scripts/package.mjs <${PROGRAMS.join('|')}> <dir>`, 2);
}
const out = resolve(target);
if (out === root || root.startsWith(`${out}/`))
  fail(`${out} holds the repository; choose another directory`, 2);

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const rootPackage = readJson(join(root, 'package.json'));
/** Workspace directory by package name. */
const workspaces = new Map(
  rootPackage.workspaces.map((dir) => [readJson(join(root, dir, 'package.json')).name, dir]),
);

/** The program's workspace and every workspace its production dependencies reach. */
function closure(dir, seen = new Set()) {
  if (seen.has(dir)) return seen;
  seen.add(dir);
  const deps = readJson(join(root, dir, 'package.json')).dependencies ?? {};
  for (const name of Object.keys(deps)) if (workspaces.has(name)) closure(workspaces.get(name), seen);
  return seen;
}
const needed = closure(program);
for (const dir of needed) {
  if (!existsSync(join(root, dir, 'dist'))) fail(`${dir}/dist is missing: run npm run build first`);
}

say(`${program}: workspaces ${[...needed].join(', ')} into ${out}`);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// npm ci checks the lockfile against every workspace's package.json, so all of them go in first.
cpSync(join(root, 'package.json'), join(out, 'package.json'));
cpSync(join(root, 'package-lock.json'), join(out, 'package-lock.json'));
for (const dir of workspaces.values()) {
  mkdirSync(join(out, dir), { recursive: true });
  cpSync(join(root, dir, 'package.json'), join(out, dir, 'package.json'));
}

say('installing production dependencies from the lockfile');
const name = [...workspaces].find(([, dir]) => dir === program)[0];
const npm = spawnSync(
  'npm',
  [
    'ci',
    '--omit=dev',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--workspace',
    name,
  ],
  {
    cwd: out,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  },
);
if (npm.status !== 0) fail(`npm ci in ${out} failed (exit ${npm.status ?? npm.signal})`);

// The bindings the build tree compiled (allowScripts), copied rather than compiled again.
for (const [pkg, allowed] of Object.entries(rootPackage.allowScripts ?? {})) {
  const built = join(root, 'node_modules', pkg, 'build');
  const into = join(out, 'node_modules', pkg);
  if (!allowed || !existsSync(into) || !existsSync(built)) continue;
  say(`native binding of ${pkg}`);
  cpSync(built, join(into, 'build'), { recursive: true });
}

for (const dir of workspaces.values()) {
  if (!needed.has(dir)) {
    rmSync(join(out, dir), { recursive: true, force: true });
    continue;
  }
  for (const entry of ['dist', ...(RUNTIME_FILES[dir] ?? [])]) {
    cpSync(join(root, dir, entry), join(out, dir, entry), { recursive: true });
  }
}
rmSync(join(out, 'package-lock.json'));
// Where the program keeps its state when run from this tree: the images point their data directory
// here and hand it to the unprivileged user they run as.
mkdirSync(join(out, 'state'));
const count = readdirSync(join(out, 'node_modules')).length;
say(`done: ${join(out, program, 'dist')} (${count} entries in node_modules)`);
