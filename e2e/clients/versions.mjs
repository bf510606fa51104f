// Prints the pinned client versions (package.json) next to what is installed and what the
// binaries report, and fails when they disagree: a test run always says what it ran.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pinned = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).devDependencies;

function installed(name) {
  for (const base of [join(here, 'node_modules'), join(here, '..', '..', 'node_modules')]) {
    const p = join(base, name, 'package.json');
    if (existsSync(p)) return { version: JSON.parse(readFileSync(p, 'utf8')).version, bin: join(base, '.bin') };
  }
  return null;
}

function binVersion(bin, name) {
  try {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' };
    return execFileSync(join(bin, name), ['--version'], { env, encoding: 'utf8', timeout: 30_000 }).trim();
  } catch (e) {
    return `FAILED: ${e.message.split('\n')[0]}`;
  }
}

let bad = false;
console.log('end-to-end clients (pinned in e2e/clients/package.json):');
for (const [name, want] of Object.entries(pinned)) {
  const got = installed(name);
  let line = `  ${name.padEnd(28)} pinned ${want.padEnd(10)} installed ${got?.version ?? 'MISSING'}`;
  if (got && name === '@openai/codex') line += `   \`codex --version\`: ${binVersion(got.bin, 'codex')}`;
  if (got && name === '@anthropic-ai/claude-code') line += `   \`claude --version\`: ${binVersion(got.bin, 'claude')}`;
  console.log(line);
  if (!got || got.version !== want || line.includes('FAILED')) bad = true;
}
console.log(`  node ${process.version}`);
if (bad) {
  console.error('!!! a client is missing or not at its pinned version: run `npm ci` at the repository root');
  process.exit(1);
}
