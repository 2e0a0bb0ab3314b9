import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './child.ts';

/** Where the figures were measured: they mean little without it. */
export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const version = (pkg: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    cores: availableParallelism(),
    memoryGB: Number((totalmem() / 1e9).toFixed(1)),
    node: process.version,
    onnxruntimeNode: version('onnxruntime-node'),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
    date: new Date().toISOString(),
  };
}

const ticks = (line: string, fields: number[]) => fields.reduce((sum, i) => sum + Number(line.split(/\s+/)[i]), 0);

/**
 * CPU time the machine spent outside this process tree while the bench ran: other work on a shared
 * machine skews every figure, so it is reported with them. Reaped children count as ours (cutime, cstime).
 * `stealSeconds`, part of it, is the time the hypervisor gave this VM's CPUs to other guests.
 */
export function foreignCpu(): () => { seconds: number; share: number; stealSeconds: number } {
  const sample = () => {
    const machine = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const self = readFileSync('/proc/self/stat', 'utf8');
    return {
      busy: ticks(machine, [1, 2, 3, 6, 7, 8]),
      all: ticks(machine, [1, 2, 3, 4, 5, 6, 7, 8]),
      steal: ticks(machine, [8]),
      own: ticks(self.slice(self.lastIndexOf(')') + 2), [11, 12, 13, 14]),
    };
  };
  const start = sample();
  return () => {
    const end = sample();
    const foreign = end.busy - start.busy - (end.own - start.own);
    return { seconds: Math.max(0, foreign) / 100, share: Math.max(0, foreign) / (end.all - start.all), stealSeconds: (end.steal - start.steal) / 100 };
  };
}
