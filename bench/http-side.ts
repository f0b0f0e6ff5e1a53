import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';

/**
 * The one HTTP client of the delivery bench, for every side alike: node:http over keep-alive
 * connections, as many as requests in flight. A call resolves with the body's length and fails on
 * anything but 200.
 */
export function httpGetter(depth: number, headers: Record<string, string> = {}): { get(url: string): Promise<number>; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: depth });
  return {
    get: (url) =>
      new Promise<number>((resolve, reject) => {
        const req = http.get(url, { agent, headers }, (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
          res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
          res.on('error', reject);
        });
        req.on('error', reject);
      }),
    close: () => agent.destroy(),
  };
}

/** A bench server script (`node --import tsx <script> <args...>`) started and ready once it prints `listening`. */
export async function spawnListening(script: string, args: string[], cwd: string): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return child as ChildProcess & { pid: number };
}
