import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { randomInt } from 'node:crypto';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { create } from '@bufbuild/protobuf';
import { Health, HealthCheckRequestSchema, HealthCheckResponse_ServingStatus } from '../../gen/grpc/health/v1/health_pb.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { corpusCases, keepInCorpus } from './corpus.js';
import { fuzzCase, type FuzzCase } from './fuzz-case.js';
import { problem, runCase, type Answer, type Clients } from './run-case.js';
import { seedImages, type SeedImage } from './seed-images.js';

function setting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: expected an integer from ${min} to ${max}, received ${JSON.stringify(raw)}`);
  return n;
}

/** A new seed each run unless given: the corpus keeps whatever any run found. */
const SEED = setting('FUZZ_SEED', randomInt(2 ** 31 - 1), 0, 2 ** 31 - 1);
const CASES = setting('FUZZ_CASES', 500, 1, 1_000_000);
/** Cases in flight at once: enough to keep both pool threads busy, far below the queue limit. */
const CONCURRENCY = setting('FUZZ_CONCURRENCY', 4, 1, 64);

console.log(`fuzz: seed ${SEED}, ${CASES} cases; to run this campaign again: FUZZ_SEED=${SEED} FUZZ_CASES=${CASES} npx vitest run test/fuzz`);

interface Failure {
  c: FuzzCase;
  problems: string[];
}

/** Runs the cases `CONCURRENCY` at a time; answers every failing one and tallies the answers. */
async function campaign(clients: Clients, cases: readonly FuzzCase[], tally: Map<string, number>): Promise<Failure[]> {
  const failures: Failure[] = [];
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < cases.length; i = next++) {
      const answers: Answer[] = await runCase(clients, cases[i]);
      for (const a of answers) {
        const key = `${a.rpc} ${grpc.status[a.code]}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
      }
      const problems = answers.flatMap((a) => problem(a) ?? []);
      if (problems.length > 0) failures.push({ c: cases[i], problems });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return failures;
}

function report(failures: readonly Failure[]): string[] {
  return failures.map(({ c, problems }) => `${c.id} ${c.format} (${c.recipe}) → export ${c.exportFormat}: ${problems.join('; ')}`);
}

describe('fuzzing: mutated JPEG, PNG, WebP, GIF, TIFF, AVIF and SVG through UploadImage, AnalyzeImage and ProcessForExport', () => {
  let app: TestApp;
  let clients: Clients;
  let seeds: SeedImage[];
  const tally = new Map<string, number>();

  beforeAll(async () => {
    // A smaller pixel limit than the default, so that sizes a little under it stay cheap to decode.
    app = await startTestApp({ MAX_INPUT_PIXELS: String(4_000_000) });
    clients = { images: grpcJsClient(ImageService, app.address), processing: grpcJsClient(ProcessingService, app.address) };
    seeds = await seedImages();
  });
  afterAll(async () => {
    const counts = [...tally].sort().map(([key, n]) => `${key}: ${n}`);
    if (counts.length > 0) console.log(`fuzz answers (seed ${SEED}):\n  ${counts.join('\n  ')}`);
    clients?.images.close();
    clients?.processing.close();
    await app?.stop();
  });

  it('replays every case of the corpus', async () => {
    const { cases, drifted } = corpusCases(seeds);
    if (drifted.length > 0) console.warn(`fuzz corpus: these recipes no longer make the bytes they found (refresh them): ${drifted.join(', ')}`);
    const failures = await campaign(clients, cases, tally);
    expect(report(failures)).toEqual([]);
  }, 600_000);

  it(`${CASES} new seeded mutations; every failing one joins the corpus`, async () => {
    const cases = Array.from({ length: CASES }, (_, i) => fuzzCase(seeds, SEED, i));
    expect(new Set(cases.map((c) => c.format)).size).toBe(Math.min(CASES, 7));
    const failures = await campaign(clients, cases, tally);
    const kept = failures.map(({ c, problems }) => keepInCorpus(c, problems));
    if (kept.length > 0) console.error(`fuzz: ${kept.length} failing cases kept in the corpus (commit them):\n  ${kept.join('\n  ')}`);
    expect(report(failures)).toEqual([]);
  }, 600_000);

  it('the server is still serving', async () => {
    const health = grpcJsClient(Health, app.address);
    try {
      const res = await unary<{ status: HealthCheckResponse_ServingStatus }>(health, 'check', create(HealthCheckRequestSchema, { service: '' }), { deadline: Date.now() + 5_000 });
      expect(res.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      health.close();
    }
  });
});
