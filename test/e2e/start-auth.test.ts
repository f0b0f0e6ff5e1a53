import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/azurite.js';

/** The environment without any authentication settings a developer's shell may carry. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(AUTH_MODE|JWT_|MTLS_|API_KEY_PEPPER|CORS_ORIGINS|REFLECTION|REDIS_URL)/.test(name)) delete env[name];
  }
  return { ...env, ...extra };
}

/** `npm start`'s entry point as a process; resolves when it exits or prints its start line. */
function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const outcome = new Promise<{ code: number | null; started: boolean }>((resolve) => {
    child.stdout.on('data', (d) => {
      stdout += String(d);
      if (stdout.includes('listening')) resolve({ code: null, started: true });
    });
    child.once('exit', (code) => resolve({ code, started: false }));
  });
  return { child, outcome, output: () => ({ stdout, stderr }) };
}

describe('npm start and authentication', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-start-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('HOST=0.0.0.0 with no auth configuration exits with a message saying what to set', async () => {
    const run = start({ HOST: '0.0.0.0', PORT: String(await freePort()), DATA_DIR: dataDir });
    const { code, started } = await run.outcome;
    expect([code, started]).toEqual([2, false]);
    const { stderr } = run.output();
    expect(stderr).toContain('image asset service not started: HOST=0.0.0.0 is not a loopback address and no authentication is configured.');
    expect(stderr).toContain('AUTH_MODE=none');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('on loopback with no configuration, runs in development mode and says so in its start line', async () => {
    const run = start({ HOST: '127.0.0.1', PORT: String(await freePort()), DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    try {
      const { started } = await run.outcome;
      expect([started, run.output().stderr]).toEqual([true, '']);
      const line = JSON.parse(run.output().stdout.split('\n').find((l) => l.includes('listening'))!);
      expect(line.msg).toContain('development mode: anonymous callers act as the default tenant with every scope');
      expect(line.auth).toBe('development');
    } finally {
      const exited = new Promise((resolve) => run.child.once('exit', resolve));
      run.child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});
