// The real Codex CLI (`codex exec`) against the gateway through a custom model provider
// (`wire_api = "responses"`), in a throwaway CODEX_HOME, including a shell tool round trip.
// A recording proxy between the CLI and the gateway timestamps the streamed answer; a
// sentinel proxy catches any attempt to reach a real host.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DELTA_DELAY_MS,
  assertIncremental,
  binPath,
  cliEnv,
  contentChunkTimes,
  expectedOutput,
  mockUsages,
  recordingProxy,
  run,
  sentinelProxy,
  startStack,
  tempDir,
} from './harness.mjs';

const MODEL = 'gpt-5.5';
let stack;
let proxy;
let sentinel;

before(async () => {
  stack = await startStack({ accounts: 2 });
  proxy = await recordingProxy(stack.origin);
  sentinel = await sentinelProxy();
});
after(async () => {
  await proxy?.close();
  await sentinel?.close();
  await stack?.stop();
});

/** A fresh CODEX_HOME with the gateway as the model provider, and a fresh working directory. */
function codexHome() {
  const home = tempDir('codex-home');
  const codexHomeDir = join(home, '.codex');
  mkdirSync(codexHomeDir);
  writeFileSync(
    join(codexHomeDir, 'config.toml'),
    `model = "${MODEL}"
model_provider = "gw"
check_for_update_on_startup = false

[analytics]
enabled = false

# The curated-plugin sync reaches github.com and chatgpt.com at start-up.
[features]
plugins = false
apps = false

[model_providers.gw]
name = "switchyard"
base_url = "${proxy.origin}/v1"
wire_api = "responses"
env_key = "GW_API_KEY"
request_max_retries = 0
stream_max_retries = 0
`,
  );
  const work = tempDir('codex-work');
  return {
    cwd: work,
    env: cliEnv({ ...sentinel.env, HOME: home, CODEX_HOME: codexHomeDir, GW_API_KEY: stack.key }),
  };
}

async function codexExec(prompt, extraArgs = []) {
  const { cwd, env } = codexHome();
  const since = await stack.lastSeq();
  const recFrom = proxy.records.length;
  const res = await run(
    binPath('codex'),
    ['exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', ...extraArgs, prompt],
    { cwd, env, timeoutMs: 90_000 },
  );
  const turns = await stack.turns(since);
  const usages = mockUsages(await stack.log());
  return { res, turns, usages, records: proxy.records.slice(recFrom) };
}

function explain(res) {
  return `exit ${res.code} ${res.signal ?? ''}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr.slice(-4000)}`;
}

/** Every request the CLI made reached a gateway route and got a 2xx. */
function assertCleanRequests(records) {
  for (const r of records) {
    assert.ok(r.status >= 200 && r.status < 300, `${r.method} ${r.path} -> ${r.status}`);
    assert.match(r.path, /^\/v1\/(responses|models)(\?|$)/, `unexpected request ${r.method} ${r.path}`);
  }
  assert.deepEqual(sentinel.attempts, [], 'the CLI tried to reach hosts other than the gateway');
}

describe('Codex CLI', () => {
  test('codex exec --json: answer, usage and an incremental stream', async () => {
    await stack.delay(DELTA_DELAY_MS);
    const { res, turns, usages, records } = await codexExec('codex plain: Ärger über Öl — ß', ['--json']);
    assert.equal(res.code, 0, explain(res));
    assert.equal(turns.length, 1, 'one model turn');
    const expected = expectedOutput(turns[0].body);
    assert.equal(expected.text, 'Echo: codex plain: Ärger über Öl — ß — café 🦀');

    const events = res.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const messages = events.filter((e) => e.type === 'item.completed' && e.item.type === 'agent_message');
    assert.deepEqual(messages.map((e) => e.item.text), [expected.text]);
    const reasoning = events.filter((e) => e.type === 'item.completed' && e.item.type === 'reasoning');
    assert.deepEqual(reasoning.map((e) => e.item.text), [expected.reasoningSummary]);
    const done = events.find((e) => e.type === 'turn.completed');
    assert.ok(done, `no turn.completed:\n${explain(res)}`);
    const mock = usages.get(turns[0].seq);
    assert.equal(done.usage.input_tokens, mock.input_tokens);
    assert.equal(done.usage.cached_input_tokens, mock.cached_tokens);
    assert.equal(done.usage.output_tokens, mock.output_tokens);
    assert.equal(done.usage.reasoning_output_tokens, mock.reasoning_tokens);

    // The upstream body: native pass-through with the CLI's own shape (upstream.md §3).
    const body = turns[0].body;
    assert.equal(body.store, false);
    assert.equal(body.stream, true);
    assert.ok(body.tools.some((t) => t.type === 'function' && t.name === 'exec_command'));
    // Headers: the CLI's identity forwarded, its key never (upstream.md §2).
    const h = Object.fromEntries(turns[0].headers);
    assert.match(h['user-agent'], /^codex_exec\/0\.169\.0/);
    assert.equal(h.originator, 'codex_exec');
    assert.ok(!JSON.stringify(turns[0].headers).includes(stack.key), 'client key leaked upstream');

    const answer = records.find((r) => r.path.startsWith('/v1/responses'));
    assertIncremental(assert, contentChunkTimes(answer, ['response.output_text.delta']), 'codex text deltas', 4);
    assertCleanRequests(records);
  });

  test('codex exec: exec_command tool round trip', async () => {
    await stack.delay(DELTA_DELAY_MS);
    const args = JSON.stringify({ cmd: "printf '%s-%s\\n' switch yard" });
    const { res, turns, records } = await codexExec(`Run this, please: [[call:exec_command ${args}]]`);
    assert.equal(res.code, 0, explain(res));
    assert.equal(turns.length, 2, `two model turns, got ${turns.length}\n${explain(res)}`);
    const first = expectedOutput(turns[0].body);
    assert.equal(first.toolCalls.length, 1);
    assert.equal(first.toolCalls[0].name, 'exec_command');

    const input = turns[1].body.input;
    const call = input.find((i) => i.type === 'function_call');
    const out = input.findLast((i) => i.type === 'function_call_output');
    assert.equal(call.name, 'exec_command');
    assert.equal(call.arguments, first.toolCalls[0].arguments);
    assert.equal(out.call_id, call.call_id, 'tool output answers the call');
    assert.match(out.output, /switch-yard/, 'the CLI ran the command');
    const reasoning = input.find((i) => i.type === 'reasoning');
    assert.ok(reasoning?.encrypted_content, 'encrypted reasoning sent back');
    assert.equal(turns[1].account_id, turns[0].account_id, 'affinity: same account for the turn');

    const second = expectedOutput(turns[1].body);
    assert.match(second.text, /^Tool output: [\s\S]*switch-yard[\s\S]* — café 🦀$/);
    assert.equal(res.stdout.trim(), second.text.trim(), 'final answer on stdout, intact');
    for (const r of records.filter((x) => x.path.startsWith('/v1/responses'))) {
      assertIncremental(assert, contentChunkTimes(r, ['.delta"']), `codex turn ${r.path}`, 2);
    }
    assertCleanRequests(records);
  });

  test('GET /v1/models?client_version= returns the upstream manifest the CLI decodes', async () => {
    // Codex 0.169 with an API-key provider reads its bundled catalog (no /models call seen);
    // with ChatGPT-style providers it asks this route, so check it the way the CLI asks.
    const r = await fetch(`${stack.origin}/v1/models?client_version=0.169.0`, {
      headers: { authorization: `Bearer ${stack.key}`, originator: 'codex_exec', version: '0.169.0' },
    });
    assert.equal(r.status, 200);
    const body = await r.json();
    const required = ['slug', 'display_name', 'supported_reasoning_levels', 'shell_type', 'visibility', 'supported_in_api', 'priority', 'base_instructions', 'supports_reasoning_summaries', 'support_verbosity', 'truncation_policy', 'supports_parallel_tool_calls', 'experimental_supported_tools'];
    assert.ok(Array.isArray(body.models) && body.models.length > 0, JSON.stringify(body).slice(0, 300));
    for (const m of body.models) for (const k of required) assert.ok(k in m, `manifest entry ${m.slug} lacks ${k}`);
    assert.ok(body.models.some((m) => m.slug === MODEL));
  });
});
