import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds a process has used, all threads, user and system. Unlike images per second, CPU time per
 * image hardly moves when other work on the machine takes a share of the cores, so it shows where the
 * service spends more than sharp alone even on a busy machine.
 */
export function cpuSeconds(pid: number | 'self'): number | undefined {
  if (pid === 'self') {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
  try {
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
