import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

export const ROOT = new URL('..', import.meta.url).pathname;

/** Node args to run a TypeScript file of this repo the way tsx does, but in this very process (so its pid is the server's). */
export const tsx = (script: string, ...args: string[]) => ['--import', 'tsx', script, ...args];

/**
 * Runs a worker in a fresh process and resolves with the first message it sends over IPC.
 * Its stdout goes to /dev/null: Powertools writes an EMF line per invocation there, as on Lambda.
 * `quiet` keeps its stderr too, shown only if it fails.
 */
export function runWorker<T>(nodeArgs: readonly string[], env: NodeJS.ProcessEnv = {}, { quiet = false } = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const stdio = ['ignore', 'ignore', quiet ? 'pipe' : 'inherit', 'ipc'] as const;
    const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, env: { ...process.env, ...env }, stdio: [...stdio] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk));
    let result: { value: T } | undefined;
    child.once('message', (value) => {
      result = { value: value as T };
    });
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result.value) : reject(new Error(`worker ${nodeArgs.join(' ')} exited with ${code} before reporting\n${stderr}`))));
  });
}

export interface RunningServer {
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts a server process and waits for the line announcing http://host:port on its stdout. */
export function startServer(nodeArgs: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const url = /http:\/\/[\d.]+:\d+/.exec(line)?.[0];
      if (url) resolve({ pid: child.pid!, url, stop: () => stop(child) });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server ${nodeArgs.join(' ')} exited with ${code} before listening`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A port that was free a moment ago, for servers that print the port they were given rather than the one they got. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

/** Resident and peak resident memory of a process, in bytes. */
export async function memory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}
