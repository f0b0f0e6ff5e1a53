import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { haveSharedImages, SHARED_IMAGES } from '../support/shared-images.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);
/** The address README.md's commands call: where `npm start` listens. */
const README_ADDRESS = 'http://127.0.0.1:50051';
/** Files the commands read or write that are not images the service produced. */
const NOT_OUTPUTS = new Set(['photo.jpg', 'error.json', 'node_modules', 'proto']);

/** The ```sh blocks of one `## ` section of a markdown document, in order. */
function shellBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return [...markdown.slice(start, end < 0 ? undefined : end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

const tools = ['bash', 'jq', 'curl', 'base64', 'sed'];
const missing = tools.filter((tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) console.warn(`[skip] README "Trying it" test: ${missing.join(', ')} not installed`);

/**
 * README.md's "Trying it" and "Errors" commands, exactly as written, run top to bottom in one bash
 * against a fresh real server. The shell runs in a temporary folder that stands in for the project
 * folder (its node_modules and proto/ link to the project's, so `npx buf` and `buf convert` resolve
 * as they do there) with a real photo as photo.jpg; only the address is changed, to the test
 * server's port.
 */
describe.skipIf(!haveSharedImages || missing.length > 0)("README.md: the 'Trying it' commands against a fresh server", () => {
  let app: TestApp;
  let dir: string;
  let result: { stdout: string; stderr: string };
  let blockCount = 0;

  beforeAll(async () => {
    app = await startTestApp();
    dir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-readme-'));
    await symlink(path.resolve('node_modules'), path.join(dir, 'node_modules'));
    await symlink(path.resolve('proto'), path.join(dir, 'proto'));
    await copyFile(path.join(SHARED_IMAGES, 'GreenMeadow.jpg'), path.join(dir, 'photo.jpg'));

    const readme = readFileSync('README.md', 'utf8');
    const blocks = [...shellBlocks(readme, 'Trying it'), ...shellBlocks(readme, 'Errors')];
    blockCount = blocks.length;
    const script = [
      'set -euo pipefail',
      `trap 'echo "README command failed (exit $?): $BASH_COMMAND" >&2' ERR`,
      // On a line of its own: a command's output may not end in a newline (curl's does not).
      ...blocks.map((block, i) => `printf '\\n### README block ${i + 1}\\n'\n${block}`),
    ].join('\n');
    expect(script).toContain(README_ADDRESS);
    try {
      result = await run('bash', ['-c', script.replaceAll(README_ADDRESS, app.baseUrl)], {
        cwd: dir,
        env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`, npm_config_update_notifier: 'false' },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 600_000,
      });
    } catch (e) {
      const failed = e as Error & { code?: number | string; signal?: string; stdout?: string; stderr?: string };
      // The last block marker and the trap's line say which command failed.
      const how = failed.signal ? `killed by ${failed.signal}` : `exit ${failed.code}`;
      throw new Error(`README commands failed (${how})\n--- stdout (end) ---\n${failed.stdout?.slice(-3000)}\n--- stderr (end) ---\n${failed.stderr?.slice(-3000)}`, { cause: e });
    }
  }, 660_000);

  afterAll(async () => {
    await app?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs every block to the end', () => {
    expect(blockCount).toBeGreaterThanOrEqual(4);
    expect(result.stdout.match(/^### README block \d+$/gm)?.length).toBe(blockCount);
    expect(result.stderr).not.toContain('README command failed');
  });

  it('saves the WebP export, and every file it saves is an image', async () => {
    expect((await sharp(path.join(dir, 'out.webp')).metadata()).format).toBe('webp');
    const outputs = (await readdir(dir)).filter((name) => !NOT_OUTPUTS.has(name));
    expect(outputs).toContain('out.webp');
    for (const name of outputs) {
      const { width, height } = await sharp(path.join(dir, name)).metadata();
      expect(width, name).toBeGreaterThan(0);
      expect(height, name).toBeGreaterThan(0);
    }
  });

  it('downloads the original bytes through the signed URL', async () => {
    expect((await readFile(path.join(dir, 'original.jpg'))).equals(await readFile(path.join(dir, 'photo.jpg')))).toBe(true);
  });

  it("shows the error's details decoded, from buf curl and from Connect", async () => {
    const error = JSON.parse(await readFile(path.join(dir, 'error.json'), 'utf8'));
    expect(error).toMatchObject({ code: 'invalid_argument' });
    expect(error.message).toMatch(/^page_size: /);
    expect(result.stdout).toMatch(/"fieldViolations": ?\[\{"field": ?"page_size"/);
    // Once from buf convert (compact), once from the Connect response's debug (jq, indented).
    expect(result.stdout.match(/"reason": ?"INVALID_ARGUMENT"/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('deletes the uploaded image last: only what was made from it is left', async () => {
    const client = createClient(ImageService, createGrpcTransport({ baseUrl: app.baseUrl }));
    const { images } = await client.listImages({ pageSize: 100 });
    expect(images.length).toBeGreaterThan(0);
    expect(images.some((image) => image.filename === 'photo.jpg')).toBe(false);
    expect(images.filter((image) => image.details.case === 'processed').length).toBeGreaterThan(0);
  });
});
