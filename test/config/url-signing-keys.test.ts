import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { UrlSigner } from '../../src/storage/url-signer.js';
import { urlSigningSecrets } from '../../src/url-signing-secret.js';

const OLD = 'an-old-signing-key-of-thirty-two-bytes-or-more';
const NEW = 'the-new-signing-key-also-thirty-two-bytes-long';

describe('URL signing keys: length, key files, rotation', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-keys-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('refuses a URL_SIGNING_SECRET shorter than 32 bytes, naming the variable and the length, never the key', () => {
    expect(() => loadConfig({ URL_SIGNING_SECRET: 'short-secret' })).toThrow(
      'config URL_SIGNING_SECRET: expected keys of at least 32 bytes, received "key 1 of 1: 12 bytes"',
    );
    expect(loadConfig({ URL_SIGNING_SECRET: NEW }).urlSigningSecrets).toEqual([NEW]);
  });

  it('reads URL_SIGNING_SECRETS newest first and checks every key', () => {
    expect(loadConfig({ URL_SIGNING_SECRETS: `${NEW}, ${OLD}` }).urlSigningSecrets).toEqual([NEW, OLD]);
    expect(() => loadConfig({ URL_SIGNING_SECRETS: `${NEW},,${OLD}` })).toThrow('config URL_SIGNING_SECRETS: expected keys of at least 32 bytes, received "key 2 of 3: 0 bytes"');
    expect(() => loadConfig({ URL_SIGNING_SECRETS: NEW, URL_SIGNING_SECRET: OLD })).toThrow(
      'config URL_SIGNING_SECRET: expected unset when URL_SIGNING_SECRETS is set (one source of signing keys)',
    );
  });

  it('the newest key signs; URLs signed with an older key still verify; others do not', async () => {
    const rotated = new UrlSigner(await urlSigningSecrets({ secrets: [NEW, OLD], keyFile: undefined, dataDir: dir }));
    const before = new UrlSigner(Buffer.from(OLD));
    const exp = Math.floor(Date.now() / 1000) + 60;
    expect(rotated.sign('t', 'img', exp)).toBe(new UrlSigner(Buffer.from(NEW)).sign('t', 'img', exp));
    expect(rotated.verify('t', 'img', exp, before.sign('t', 'img', exp))).toBe('ok');
    expect(rotated.verify('t', 'img', exp, new UrlSigner(Buffer.from('a-third-key-nobody-configured-here!!')).sign('t', 'img', exp))).toBe('invalid');
    expect(before.verify('t', 'img', exp, rotated.sign('t', 'img', exp))).toBe('invalid');
  });

  it('signs the tenant with the id and expiry: a URL moved to another tenant does not verify', () => {
    const signer = new UrlSigner(Buffer.from(NEW));
    const exp = Math.floor(Date.now() / 1000) + 60;
    const sig = signer.sign('acme', 'img', exp);
    expect(signer.verify('acme', 'img', exp, sig)).toBe('ok');
    expect(signer.verify('globex', 'img', exp, sig)).toBe('invalid');
    expect(signer.verify('acme\nimg', '', exp, sig)).toBe('invalid');
    expect(new URL(`http://h${signer.pathFor('acme', 'img', exp)}`).searchParams.get('t')).toBe('acme');
  });

  it('reads URL_SIGNING_KEY_FILE one key per line, and refuses an empty or short file at start', async () => {
    const file = path.join(dir, 'keys');
    await writeFile(file, `# newest first\n${NEW}\n${OLD}\n`);
    const keys = await urlSigningSecrets({ secrets: [], keyFile: file, dataDir: dir });
    expect(keys.map(String)).toEqual([NEW, OLD]);

    await writeFile(file, '\n');
    await expect(urlSigningSecrets({ secrets: [], keyFile: file, dataDir: dir })).rejects.toThrow(`config URL_SIGNING_KEY_FILE: expected one key per line, received "${file}: no key in it"`);
    await writeFile(file, `${NEW}\nhalf-writ`);
    await expect(urlSigningSecrets({ secrets: [], keyFile: file, dataDir: dir })).rejects.toThrow(
      `config URL_SIGNING_KEY_FILE: expected keys of at least 32 bytes, received "${file}: key 2 of 2: 9 bytes"`,
    );
    await expect(urlSigningSecrets({ secrets: [], keyFile: path.join(dir, 'missing'), dataDir: dir })).rejects.toThrow(/URL_SIGNING_KEY_FILE: expected a readable file with one key per line, received ".*missing \(ENOENT\)"/);
  });

  it('makes the DATA_DIR key once and whole, and refuses an empty or cut-short one instead of signing with it', async () => {
    const [made] = await urlSigningSecrets({ secrets: [], keyFile: undefined, dataDir: dir });
    expect(made.length).toBe(32);
    const file = path.join(dir, 'url-signing.key');
    expect(Buffer.from(await readFile(file, 'utf8'), 'base64').equals(made)).toBe(true);
    const [again] = await urlSigningSecrets({ secrets: [], keyFile: undefined, dataDir: dir });
    expect(again.equals(made)).toBe(true);

    // Several instances starting together on one DATA_DIR all end up with the one key.
    const other = path.join(dir, 'race');
    const raced = await Promise.all(Array.from({ length: 8 }, () => urlSigningSecrets({ secrets: [], keyFile: undefined, dataDir: other })));
    expect(new Set(raced.map(([k]) => k.toString('hex'))).size).toBe(1);

    for (const content of ['', made.toString('base64').slice(0, 20)]) {
      await writeFile(file, content);
      await expect(urlSigningSecrets({ secrets: [], keyFile: undefined, dataDir: dir })).rejects.toThrow(
        new RegExp(`config URL_SIGNING_SECRET: expected a key of at least 32 bytes, or a whole generated key in .*url-signing.key .*received ".*url-signing.key holding ${content === '' ? 0 : 15} bytes of key"`),
      );
    }
  });
});
