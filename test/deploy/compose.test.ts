import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startCommand } from '../../bench/start-command.js';
import { loadConfig } from '../../src/config.js';

/** Every environment variable the configuration reads, recorded by reading a config through a proxy. */
function variablesConfigReads(): Set<string> {
  const seen = new Set<string>();
  const env = new Proxy({}, {
    get(_target, key) {
      if (typeof key === 'string') seen.add(key);
      return undefined;
    },
  });
  loadConfig(env);
  return seen;
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync('docker-compose.yml', 'utf8'));

  it('parses, with the service, MySQL 8 and Azurite, each with a healthcheck', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['azurite', 'image-service', 'mysql']);
    expect(compose.services.mysql.image).toMatch(/^mysql:8/);
    expect(compose.services.azurite.image).toMatch(/azurite/);
    for (const service of Object.values<any>(compose.services)) expect(service.healthcheck?.test).toBeDefined();
    expect(compose.services['image-service'].build).toBe('.');
  });

  it('sets only variables the service reads', () => {
    const read = variablesConfigReads();
    const set = Object.keys(compose.services['image-service'].environment);
    expect(set.filter((name) => !read.has(name))).toEqual([]);
    for (const name of ['DATABASE_URL', 'AZURE_STORAGE_CONNECTION_STRING', 'HOST', 'PORT']) expect(set).toContain(name);
  });

  it('gives a configuration that loads', () => {
    const env = Object.fromEntries(Object.entries<string>(compose.services['image-service'].environment).map(([k, v]) => [k, String(v)]));
    const config = loadConfig(env);
    expect(config.databaseUrl).toMatch(/^mysql:\/\//);
    expect(config.azure.container).toBe('images');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const packageJson = JSON.parse(readFileSync('package.json', 'utf8'));
  it('is multi-stage, runs as a non-root user, and health-checks through grpc.health.v1', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*healthcheck\.js/m);
    expect(readFileSync('src/healthcheck.ts', 'utf8')).toContain('grpc/health/v1/health_pb.js');
  });

  it('runs `npm run start:prod`, whose script ends in exec so SIGTERM reaches the service', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(JSON.parse(cmd![1])).toEqual(['npm', 'run', '--silent', 'start:prod']);
    expect(packageJson.scripts['start:prod']).toMatch(/ exec node /);
  });

  it("start:prod runs the built service with npm start's node options and malloc settings, in production mode", () => {
    const start = startCommand('.');
    const prod = startCommand('.', 'start:prod');
    expect(start.nodeArgs).toContain('--initial-heap-size=256');
    expect(prod).toEqual({ runner: 'node', nodeArgs: start.nodeArgs, script: 'dist/src/main.js', env: { ...start.env, NODE_ENV: 'production' } });
    expect(readFileSync('tsconfig.build.json', 'utf8')).toContain('"src"');
  });

  it('sets no process setting of start:prod a second time in ENV', () => {
    const set = [...dockerfile.matchAll(/^ENV (.*)$/gm)].flatMap((m) => m[1].split(/\s+/).map((pair) => pair.split('=')[0]));
    const prod = startCommand('.', 'start:prod');
    expect(set.filter((name) => name in prod.env)).toEqual([]);
  });

  it('builds and runs on one Node LTS release that package.json\'s engines accepts', () => {
    const images = [...dockerfile.matchAll(/^FROM node:(\d+)-\S+/gm)].map((m) => Number(m[1]));
    expect(images.length).toBe(dockerfile.match(/^FROM /gm)?.length);
    expect(new Set(images).size).toBe(1);
    // Even majors are the LTS lines.
    expect(images[0] % 2).toBe(0);
    const minimum = Number(/^>=(\d+)\./.exec(packageJson.engines.node)![1]);
    expect(images[0]).toBeGreaterThanOrEqual(minimum);
  });

  it('copies only files that exist', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(source), source).toBe(true);
  });
});

describe('Azurite', () => {
  it('runs in compose at the release package-lock.json gives the tests', () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8'));
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
    expect(compose.services.azurite.image).toBe(`mcr.microsoft.com/azure-storage/azurite:${lock.packages['node_modules/azurite'].version}`);
  });
});
