import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface StartCommand {
  /** `NAME=value` settings in front of the command. */
  env: Record<string, string>;
  /** What runs the entry module: tsx (`npm start`) or node (`npm run start:prod`, on dist/). */
  runner: 'tsx' | 'node';
  /** Node options given to the runner (tsx hands them to node), e.g. the V8 heap settings. */
  nodeArgs: string[];
  /** The entry module. */
  script: string;
}

/**
 * How an npm script runs the service, read from package.json, so the bench's server is started the way
 * `npm start` starts it (same V8 heap settings, same malloc settings), and the tests can hold
 * `start:prod` to the same settings, without a second copy of them to drift.
 * Expected shape: `[NAME=value ...] [exec] tsx|node [--node-option ...] <script>`.
 */
export function startCommand(repoRoot: string, scriptName = 'start'): StartCommand {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const start = pkg.scripts?.[scriptName] ?? '';
  const shape = `package.json scripts["${scriptName}"]: expected "[NAME=value ...] [exec] tsx|node [--option ...] <script>", found ${JSON.stringify(start)}`;
  const words = start.split(/\s+/).filter(Boolean);
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]); i++) {
    const at = words[i].indexOf('=');
    env[words[i].slice(0, at)] = words[i].slice(at + 1);
  }
  if (words[i] === 'exec') i++;
  const runner = words[i];
  if (runner !== 'tsx' && runner !== 'node') throw new Error(shape);
  const nodeArgs: string[] = [];
  for (i++; i < words.length && words[i].startsWith('--'); i++) nodeArgs.push(words[i]);
  if (i !== words.length - 1) throw new Error(shape);
  return { env, runner, nodeArgs, script: words[i] };
}
