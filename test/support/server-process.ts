import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  child: ChildProcess;
  /** SIGKILL: no drain, no cleanup, whatever is in flight. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * The real server as its own process (`node --import tsx src/main.ts`, the same code `npm start`
 * runs, in one process so a signal reaches the server itself), on a free port, with `env` on top of
 * this process's environment. Resolves once it logs that it listens.
 */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    // LOG_LEVEL info at least: the line saying it listens names its address.
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (!line.includes('listening')) return;
      try {
        resolve((JSON.parse(line) as { address: string }).address);
      } catch (e) {
        reject(e);
      }
    });
    void exited.then(() => reject(new Error(`the server exited before listening (code ${child.exitCode}): ${stderr}`)));
  });
  // Keep reading its log so a full pipe never blocks it.
  child.stdout.resume();
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { baseUrl, child, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
