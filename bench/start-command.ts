import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface StartCommand {
  /** `NAME=value` settings in front of the command. */
  env: Record<string, string>;
  /** Node options given to tsx (which hands them to node), e.g. the V8 heap settings. */
  nodeArgs: string[];
  /** The entry module. */
  script: string;
}

/**
 * How `npm start` runs the service, read from package.json, so the bench's server is started the same
 * way (same V8 heap settings, same malloc settings) without a second copy of them to drift.
 * Expected shape: `[NAME=value ...] tsx [--node-option ...] <script>`.
 */
export function startCommand(repoRoot: string): StartCommand {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const start = pkg.scripts?.start ?? '';
  const words = start.split(/\s+/).filter(Boolean);
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]); i++) {
    const at = words[i].indexOf('=');
    env[words[i].slice(0, at)] = words[i].slice(at + 1);
  }
  if (words[i] !== 'tsx') throw new Error(`package.json scripts.start: expected "[NAME=value ...] tsx [--option ...] <script>", found ${JSON.stringify(start)}`);
  const nodeArgs: string[] = [];
  for (i++; i < words.length && words[i].startsWith('--'); i++) nodeArgs.push(words[i]);
  if (i !== words.length - 1) throw new Error(`package.json scripts.start: expected one script after the options, found ${JSON.stringify(start)}`);
  return { env, nodeArgs, script: words[i] };
}
