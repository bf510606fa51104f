// Starts mock-upstream and switchyard-server from the cargo target dir for the dashboard's
// end-to-end tests, and Debian's Chromium through playwright-core (never a downloaded browser).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');
export const shots = join(repo, 'artifacts', 'screenshots');
const targetDir = process.env.CARGO_TARGET_DIR || '/var/cache/switchyard-target';
const binDir = process.env.SWITCHYARD_BIN_DIR || join(targetDir, 'debug');
export const ADMIN_SECRET = 'e2e-admin-secret-0123';

function fail(msg) {
  throw new Error(`\n\n!!! ${msg}\n`);
}

export function binaries() {
  const server = join(binDir, 'switchyard-server');
  const mock = join(binDir, 'mock-upstream');
  for (const b of [server, mock]) {
    if (!existsSync(b)) {
      fail(`${b} is missing. Build it first: CARGO_TARGET_DIR=${targetDir} cargo build -p gateway-core --bin switchyard-server -p mock-upstream --bin mock-upstream`);
    }
  }
  if (!existsSync(join(repo, 'src-web', 'dist', 'index.html'))) fail('src-web/dist is missing: run `npm run build` first.');
  return { server, mock };
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const children = [];

/** mock-upstream with `accounts` seeded accounts; resolves with them and its URLs. */
export async function startMock(bin, accounts = 3) {
  const child = spawn(bin, ['--accounts', String(accounts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const seeded = [];
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const obj = JSON.parse(line);
    if (obj.ready) return { seeded, ready: obj, child };
    seeded.push(obj);
  }
  return fail('mock-upstream exited before its ready line');
}

export async function startServer(bin, mockReady) {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
  const child = spawn(bin, [], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      RUST_LOG: process.env.RUST_LOG || 'warn',
      CODEX_BIND: '127.0.0.1',
      CODEX_PORT: String(port),
      CODEX_UPSTREAM_BASE_URL: mockReady.upstream_base_url,
      CODEX_OAUTH_TOKEN_URL: mockReady.oauth_token_url,
      ADMIN_SECRET,
      DATABASE_DRIVER: 'sqlite',
      DATABASE_PATH: join(data, 'switchyard.db'),
      CACHE_DRIVER: 'memory',
      SWITCHYARD_DATA_DIR: data,
    },
  });
  children.push(child);
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) fail(`switchyard-server exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${origin}/health`);
      if (r.status < 500) return { origin, child, data };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return fail('switchyard-server did not answer /health within 30 s');
}

/** A persistent context on a fresh profile (Playwright takes the profile dir this way). */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath)) fail(`${executablePath} is missing: apt-get install -y chromium (never npx playwright install)`);
  const profile = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
  mkdirSync(shots, { recursive: true });
  return chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    acceptDownloads: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export function stopAll() {
  for (const c of children.reverse()) {
    if (c.exitCode === null) c.kill('SIGTERM');
  }
}

process.on('exit', stopAll);
