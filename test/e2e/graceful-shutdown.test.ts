import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import sharp from 'sharp';
import { Health } from '../../gen/grpc/health/v1/health_pb.js';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { freePort } from '../support/azurite.js';

describe('npm start as a process: SIGTERM drains in-flight calls, then exits 0', () => {
  it('finishes a running call, refuses new connections, and exits cleanly', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-shutdown-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '30000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const baseUrl = `http://127.0.0.1:${port}`;
      const health = createClient(Health, createGrpcTransport({ baseUrl }));
      for (let i = 0; ; i++) {
        try {
          await health.check({});
          break;
        } catch (e) {
          if (i > 300) throw new Error(`server did not start: ${output}`, { cause: e });
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const processing = createClient(ProcessingService, createGrpcTransport({ baseUrl }));
      const input = await sharp({ create: { width: 800, height: 800, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
      // A call that takes seconds, in flight when the signal arrives.
      const inFlight = processing.processForExport({ imageData: input, format: 'jpeg', exportOptions: { quality: 40 }, resize: { width: 5000, height: 5000, maintainAspectRatio: false } });
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      const result = await inFlight;
      expect([result.image?.width, result.image?.height]).toEqual([5000, 5000]);
      expect(await exited).toBe(0);
      expect(output).toContain('shutting down');
      await expect(health.check({})).rejects.toBeDefined();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
