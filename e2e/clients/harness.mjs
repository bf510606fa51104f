// The stack the client tests run against: mock-upstream and switchyard-server from the cargo
// target dir, the mock's accounts imported through the admin API and one client API key.
// Also: a port of the mock's deterministic answer (crates/mock-upstream/src/content.rs) so
// tests know what the upstream produced, and helpers to run the CLIs in throwaway homes.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');
export const binPath = (name) => join(repo, 'node_modules', '.bin', name);
const targetDir = process.env.CARGO_TARGET_DIR || '/var/cache/switchyard-target';
const binDir = process.env.SWITCHYARD_BIN_DIR || join(targetDir, 'debug');
export const ADMIN_SECRET = 'e2e-clients-admin-secret-0123';

/** Pacing of the mock's delta events while a test checks that streaming is incremental. */
export const DELTA_DELAY_MS = 30;

function fail(msg) {
  throw new Error(`\n\n!!! ${msg}\n`);
}

function binaries() {
  const server = join(binDir, 'switchyard-server');
  const mock = join(binDir, 'mock-upstream');
  for (const b of [server, mock]) {
    if (!existsSync(b)) {
      fail(
        `${b} is missing. Build it first: CARGO_TARGET_DIR=${targetDir} cargo build -p gateway-core --bin switchyard-server -p mock-upstream --bin mock-upstream`,
      );
    }
  }
  return { server, mock };
}

export function freePort() {
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
const tempDirs = [];

export function tempDir(prefix) {
  const d = mkdtempSync(join(tmpdir(), `switchyard-clients-${prefix}-`));
  tempDirs.push(d);
  return d;
}

async function startMock(bin, accounts) {
  const child = spawn(bin, ['--listen', '127.0.0.1:0', '--accounts', String(accounts)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, RUST_LOG: process.env.MOCK_RUST_LOG || 'warn' },
  });
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

async function startServer(bin, ready) {
  const port = await freePort();
  const data = tempDir('server');
  const child = spawn(bin, [], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      RUST_LOG: process.env.RUST_LOG || 'warn',
      CODEX_BIND: '127.0.0.1',
      CODEX_PORT: String(port),
      CODEX_UPSTREAM_BASE_URL: ready.upstream_base_url,
      CODEX_OAUTH_TOKEN_URL: ready.oauth_token_url,
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
      if (r.status < 500) return { origin, child };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return fail('switchyard-server did not answer /health within 30 s');
}

/**
 * Starts the mock (with `accounts` accounts) and the gateway, imports the accounts and creates
 * a key. Returns the stack handle; call `stop()` in `after`.
 */
export async function startStack({ accounts = 2 } = {}) {
  const bins = binaries();
  const mock = await startMock(bins.mock, accounts);
  const server = await startServer(bins.server, mock.ready);
  const control = mock.ready.control_url;
  const admin = async (method, path, body) => {
    const r = await fetch(`${server.origin}/api/admin${path}`, {
      method,
      headers: { 'x-admin-key': ADMIN_SECRET, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    if (!r.ok) fail(`admin ${method} ${path} -> ${r.status} ${text}`);
    return json;
  };
  await admin('POST', '/accounts', { refresh_token: mock.seeded.map((a) => a.refresh_token).join('\n') });
  const created = await admin('POST', '/keys', { name: 'e2e-clients' });
  const key = created.key;
  if (!/^sk-/.test(key ?? '')) fail(`unexpected key response ${JSON.stringify(created)}`);

  const ctl = async (method, path, body) => {
    const r = await fetch(`${control}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) fail(`mock control ${method} ${path} -> ${r.status} ${await r.text()}`);
    return r.json();
  };
  const stack = {
    origin: server.origin,
    key,
    controlUrl: control,
    accounts: mock.seeded,
    admin,
    control: ctl,
    /** The mock's request log, oldest first. */
    async log() {
      return (await ctl('GET', '/log')).requests;
    },
    /** Logged `/responses` requests (the upstream model turns) after sequence number `since`. */
    async turns(since = 0) {
      const all = await this.log();
      return all.filter((r) => r.seq > since && /\/responses(\?|$)/.test(r.path) && r.method === 'POST');
    },
    async lastSeq() {
      const all = await this.log();
      return all.length ? all[all.length - 1].seq : 0;
    },
    /** Spaces the mock's delta events by `ms` (0 = all at once). */
    async delay(ms) {
      await ctl('POST', '/delay', { delta_delay_ms: ms });
    },
    async stop() {
      await stopAndWait();
    },
  };
  return stack;
}

/**
 * SIGTERM to every child, SIGKILL after 3 s (the server's graceful shutdown waits for the
 * test process's idle keep-alive connections), then remove the temp dirs.
 */
export async function stopAndWait() {
  const live = children.splice(0).reverse().filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = Promise.all(live.map((c) => new Promise((r) => c.once('exit', r))));
  for (const c of live) c.kill('SIGTERM');
  const timeout = (ms) => new Promise((r) => setTimeout(() => r('timeout'), ms).unref());
  if ((await Promise.race([exited, timeout(3_000)])) === 'timeout') {
    for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.race([exited, timeout(3_000)]);
  }
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Synchronous last resort (process exit): signal the children, remove the temp dirs. */
export function stopAll() {
  for (const c of children.splice(0).reverse()) {
    if (c.exitCode === null) c.kill('SIGTERM');
  }
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

process.on('exit', stopAll);

// ---------------------------------------------------------------------------------------------
// The mock's deterministic answer (port of crates/mock-upstream/src/content.rs and the usage
// arithmetic of responses.rs). Kept in step with the Rust; the Rust README documents the rules.

export const TEXT_SUFFIX = ' — café 🦀';
const chars = (s) => Array.from(s);
const truncate = (s, n) => chars(s).slice(0, n).join('');

function contentText(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (p && typeof p.text === 'string' ? p.text : null))
      .filter((t) => t !== null)
      .join('');
  }
  return '';
}

function lastUserText(input) {
  if (typeof input === 'string') return input;
  if (Array.isArray(input)) {
    for (let i = input.length - 1; i >= 0; i--) {
      if (input[i]?.role === 'user') return contentText(input[i].content);
    }
  }
  return '';
}

function outputText(item) {
  const out = item.output;
  if (typeof out === 'string') return out;
  if (Array.isArray(out)) return contentText(out);
  if (out === undefined) return '';
  return JSON.stringify(out);
}

function markers(text) {
  const out = [];
  let rest = text;
  for (;;) {
    const start = rest.indexOf('[[call:');
    if (start < 0) break;
    const after = rest.slice(start + 7);
    const end = after.indexOf(']]');
    if (end < 0) break;
    const inner = after.slice(0, end).trim();
    const m = inner.match(/^(\S+)\s+([\s\S]*)$/);
    out.push(m ? [m[1], m[2].trim()] : [inner, '']);
    rest = after.slice(end + 2);
  }
  return out;
}

function resolveCall(tools, name, args) {
  const named = (list, ty, n) => list.find((t) => t?.type === ty && t?.name === n);
  const fn = (n, namespace) => {
    let argsOut;
    try {
      argsOut = JSON.stringify(JSON.parse(args));
    } catch {
      argsOut = args === '' ? '{}' : args;
    }
    return { kind: 'function', name: n, namespace, arguments: argsOut };
  };
  if (named(tools, 'function', name)) return fn(name, null);
  if (named(tools, 'custom', name)) return { kind: 'custom', name, namespace: null, arguments: args };
  const dot = name.indexOf('.');
  const [nsWanted, fnName] = dot >= 0 ? [name.slice(0, dot), name.slice(dot + 1)] : [null, name];
  for (const ns of tools.filter((t) => t?.type === 'namespace')) {
    if (nsWanted !== null && ns.name !== nsWanted) continue;
    if (named(ns.tools ?? [], 'function', fnName)) return fn(fnName, ns.name ?? null);
  }
  return null;
}

/** What the mock answers for an upstream `/responses` body: reasoning summary, text, tool calls. */
export function expectedOutput(body) {
  const items = body.input;
  const last = Array.isArray(items) ? items[items.length - 1] : undefined;
  const user = lastUserText(items);
  const reasoningSummary =
    body.reasoning !== undefined && body.reasoning !== null ? `Thinking about: ${truncate(user, 40)}` : null;
  if (last && (last.type === 'function_call_output' || last.type === 'custom_tool_call_output')) {
    return {
      reasoningSummary,
      text: `Tool output: ${truncate(outputText(last), 200)}${TEXT_SUFFIX}`,
      toolCalls: [],
    };
  }
  let toolCalls = [];
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    toolCalls = markers(user)
      .map(([n, a]) => resolveCall(body.tools, n, a))
      .filter(Boolean);
  }
  const text = toolCalls.length === 0 ? `Echo: ${truncate(user, 200)}${TEXT_SUFFIX}` : null;
  return { reasoningSummary, text, toolCalls };
}

/**
 * The usage the mock reported for each logged `/responses` request, replaying its prompt cache
 * over the whole log (cached = the previous input of the same key on the same account).
 * Input tokens are computed from the compact JSON length of the logged body, which is what the
 * gateway sends (serde_json compact output).
 */
export function mockUsages(log) {
  const cache = new Map();
  const out = new Map();
  for (const r of log) {
    if (!(r.method === 'POST' && /\/responses$/.test(r.path) && r.status === 200 && r.body)) continue;
    const input = Math.max(1, Math.floor(Buffer.byteLength(JSON.stringify(r.body)) / 4));
    let cached = 0;
    const pck = r.body.prompt_cache_key;
    if (typeof pck === 'string') {
      const k = `${r.account_id}\u0000${pck}`;
      if (cache.has(k)) cached = Math.min(cache.get(k), input);
      cache.set(k, input);
    }
    const o = expectedOutput(r.body);
    const reasoningChars = o.reasoningSummary ? chars(o.reasoningSummary).length : 0;
    const outChars =
      (o.text ? chars(o.text).length : 0) + o.toolCalls.reduce((n, c) => n + chars(c.arguments).length, 0);
    const reasoning = reasoningChars > 0 ? Math.max(1, Math.floor(reasoningChars / 4)) : 0;
    const output = Math.max(1, Math.floor(outChars / 4)) + reasoning;
    out.set(r.seq, { input_tokens: input, cached_tokens: cached, output_tokens: output, reasoning_tokens: reasoning });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Streaming checks.

/**
 * Asserts that `times` (ms timestamps of received content chunks, in order) are spread out as
 * the mock paced them, not delivered in one burst at the end.
 */
export function assertIncremental(assert, times, what, minChunks = 3) {
  assert.ok(times.length >= minChunks, `${what}: expected at least ${minChunks} content chunks, got ${times.length}`);
  const spread = times[times.length - 1] - times[0];
  // The mock waits DELTA_DELAY_MS before each delta; n chunks need about (n-1) gaps.
  const want = DELTA_DELAY_MS * (minChunks - 1) * 0.6;
  assert.ok(spread >= want, `${what}: chunks arrived within ${spread} ms (want >= ${want} ms): ${JSON.stringify(times)}`);
  let distinct = 1;
  for (let i = 1; i < times.length; i++) if (times[i] - times[i - 1] >= DELTA_DELAY_MS / 3) distinct++;
  // Tolerate some bunching on a loaded machine, but never a single burst.
  const wantDistinct = Math.max(2, Math.ceil(minChunks / 2));
  assert.ok(distinct >= wantDistinct, `${what}: only ${distinct} separate arrivals: ${JSON.stringify(times)}`);
}

/**
 * A pass-through HTTP proxy in front of the gateway that timestamps every body chunk of the
 * answers to requests whose path matches `pattern`. Used to watch a CLI's stream arrive.
 */
export async function recordingProxy(target, pattern = /./) {
  const records = [];
  const server = http.createServer((req, res) => {
    const rec = { method: req.method, path: req.url, headers: req.headers, body: '', status: 0, chunks: [] };
    if (pattern.test(req.url)) records.push(rec);
    req.on('data', (c) => {
      rec.body += c.toString('utf8');
    });
    const up = http.request(
      `${target}${req.url}`,
      { method: req.method, headers: req.headers },
      (upRes) => {
        rec.status = upRes.statusCode;
        res.writeHead(upRes.statusCode, upRes.headers);
        upRes.on('data', (c) => {
          rec.chunks.push({ t: performance.now(), text: c.toString('utf8') });
          res.write(c);
        });
        upRes.on('end', () => res.end());
      },
    );
    up.on('error', (e) => {
      res.destroy(e);
    });
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    records,
    close: () => new Promise((r) => server.close(r)),
  };
}

/** Timestamps of the chunks of an SSE answer that carry any of `needles`. */
export function contentChunkTimes(rec, needles) {
  return rec.chunks.filter((c) => needles.some((n) => c.text.includes(n))).map((c) => Math.round(c.t));
}

// ---------------------------------------------------------------------------------------------
// Running a CLI.

/** Runs `cmd args` with `env`, stdin closed; resolves with code, stdout, stderr and stdout line times. */
export function run(cmd, args, { env, cwd, timeoutMs = 120_000 } = {}) {
  return new Promise((res) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const lines = [];
    let pending = '';
    child.stdout.on('data', (c) => {
      const s = c.toString('utf8');
      stdout += s;
      pending += s;
      let i;
      while ((i = pending.indexOf('\n')) >= 0) {
        lines.push({ t: Math.round(performance.now()), line: pending.slice(0, i) });
        pending = pending.slice(i + 1);
      }
    });
    child.stderr.on('data', (c) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending) lines.push({ t: Math.round(performance.now()), line: pending });
      res({ code, signal, stdout, stderr, lines, ms: Math.round(performance.now() - started) });
    });
  });
}

/** A minimal environment for the CLIs: no inherited credentials, no proxies, telemetry off. */
export function cliEnv(extra) {
  const keep = ['PATH', 'LANG', 'LC_ALL', 'TERM', 'TZ', 'SHELL', 'USER', 'LOGNAME'];
  const env = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return {
    ...env,
    NO_COLOR: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_BUG_COMMAND: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DO_NOT_TRACK: '1',
    ...extra,
  };
}

/**
 * A stand-in for the outside world: the CLIs get HTTP(S)_PROXY pointing here (loopback is
 * exempt through NO_PROXY), so any attempt to reach a real host (api.openai.com,
 * api.anthropic.com, telemetry, update checks) is refused and recorded instead of leaving the
 * machine.
 */
export async function sentinelProxy() {
  const attempts = [];
  const server = http.createServer((req, res) => {
    attempts.push(`${req.method} ${req.url}`);
    res.writeHead(403).end('blocked by the e2e sentinel proxy');
  });
  server.on('connect', (req, socket) => {
    attempts.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    attempts,
    env: {
      HTTP_PROXY: url,
      HTTPS_PROXY: url,
      ALL_PROXY: url,
      http_proxy: url,
      https_proxy: url,
      all_proxy: url,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
    },
    close: () => new Promise((r) => server.close(r)),
  };
}
