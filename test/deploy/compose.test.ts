import { readFileSync } from 'node:fs';
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
  it('is multi-stage, runs as a non-root user, and health-checks through grpc.health.v1', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*healthcheck\.js/m);
    expect(readFileSync('src/healthcheck.ts', 'utf8')).toContain('grpc/health/v1/health_pb.js');
  });

  it("runs the service with npm start's node options and malloc settings", () => {
    const start = startCommand('.');
    expect(start.nodeArgs).toContain('--initial-heap-size=256');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(JSON.parse(cmd![1])).toEqual(['node', ...start.nodeArgs, 'dist/src/main.js']);
    const env = /^ENV (.*)$/m.exec(dockerfile)![1];
    for (const [name, value] of Object.entries(start.env)) expect(env).toContain(`${name}=${value}`);
  });
});
