/** What every measurement uses: processes run and timed, medians, files, and a scratch folder removed after. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

export const CDK = path.join('node_modules', '.bin', 'cdk');

interface RunOptions {
  readonly cwd: string;
  readonly env?: Record<string, string>;
  /** Return the exit code instead of throwing on failure. */
  readonly allowFailure?: boolean;
  /** Written to the command's standard input. */
  readonly input?: string;
}

interface RunResult {
  readonly code: number;
  readonly output: string;
}

/** Runs a command to completion, its output captured; throws with the output's end when it fails. */
export function run(command: string, args: readonly string[], options: RunOptions): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    input: options.input,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (result.error) throw new Error(`cannot run ${command}: ${result.error.message}`);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const code = result.status ?? 1;
  if (code !== 0 && !options.allowFailure) {
    throw new Error(`${command} ${args.join(' ')} (in ${options.cwd}) exited with ${code}:\n${output.slice(-3000)}`);
  }
  return { code, output };
}

export function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

export async function timeAsync<T>(fn: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const start = performance.now();
  const result = await fn();
  return { seconds: seconds(start), result };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Total size of every file below `dir` (not following symbolic links). */
export function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += treeBytes(full);
    else total += fs.lstatSync(full).size;
  }
  return total;
}

export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

export function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** Temporary folders, all under one root removed at the end. */
export class Scratch {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));

  /** A new, empty folder. */
  dir(prefix: string): string {
    return fs.mkdtempSync(path.join(this.root, `${prefix}-`));
  }

  /** A copy of the given entries of the project, with the project's node_modules linked in. */
  projectCopy(prefix: string, entries: readonly string[]): string {
    const root = this.dir(prefix);
    for (const entry of entries) {
      fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(root, entry), {
        recursive: true,
        filter: (src) => !['__pycache__', '.pytest_cache'].includes(path.basename(src)),
      });
    }
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    return root;
  }

  cleanUp(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
