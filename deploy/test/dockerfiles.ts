/** Reads a Dockerfile of deploy/ into what the tests check: its stages and their instructions. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const DEPLOY = join(REPO_ROOT, 'deploy');

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

export interface Dockerfile {
  stages: Stage[];
  /** The final stage's HEALTHCHECK command, as exec arguments. */
  healthcheck: string[];
  /** The final stage's CMD, as exec arguments. */
  cmd: string[];
}

/** Instructions with their continuation lines joined; comments and blank lines dropped. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const whole = (pending + line.trim()).trim();
    pending = '';
    const match = /^([A-Za-z]+)\s+(.*)$/.exec(whole);
    if (!match) throw new Error(`not an instruction: ${whole}`);
    out.push({ keyword: match[1]!.toUpperCase(), args: match[2]! });
  }
  if (pending) throw new Error('the file ends in a continuation');
  return out;
}

/** An exec-form argument list (`["node", "main.js"]`); a shell form is refused. */
function execForm(args: string, what: string): string[] {
  const list = JSON.parse(args);
  if (!Array.isArray(list) || !list.every((a) => typeof a === 'string'))
    throw new Error(`${what} is not in exec form: ${args}`);
  return list;
}

export function dockerfile(file: string): Dockerfile {
  const stages: Stage[] = [];
  for (const instruction of instructions(readFileSync(join(DEPLOY, file), 'utf8'))) {
    if (instruction.keyword === 'FROM') {
      const [from, as, name] = instruction.args.split(/\s+/);
      stages.push({ from: from!, name: as?.toUpperCase() === 'AS' ? name! : null, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${file}: ${instruction.keyword} before FROM`);
    stage.instructions.push(instruction);
  }
  const last = stages.at(-1)!;
  const one = (keyword: string) => last.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;
  const health = one('HEALTHCHECK') ?? '';
  const cmd = /\bCMD\s+(\[.*\])$/.exec(health)?.[1];
  return {
    stages,
    healthcheck: cmd ? execForm(cmd, `${file} HEALTHCHECK`) : [],
    cmd: execForm(one('CMD') ?? '[]', `${file} CMD`),
  };
}
