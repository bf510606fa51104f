// The real Claude Code (`claude -p`) against the gateway's Anthropic Messages route, in a
// throwaway HOME, including a thinking + tool_use round trip with its Bash tool: the thinking
// signature the gateway issued must be accepted back on the second turn. A recording proxy
// sits between Claude Code and the gateway; a sentinel proxy catches any outside traffic.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  DELTA_DELAY_MS,
  assertIncremental,
  binPath,
  cliEnv,
  expectedOutput,
  mockUsages,
  recordingProxy,
  run,
  sentinelProxy,
  startStack,
  tempDir,
} from './harness.mjs';

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

/**
 * Runs `claude -p` with stream-json output. `auth` picks ANTHROPIC_API_KEY (x-api-key) or
 * ANTHROPIC_AUTH_TOKEN (Bearer). Root may not use --dangerously-skip-permissions, so the Bash
 * tool is allowed explicitly instead.
 */
async function claude(prompt, { args = [], auth = 'ANTHROPIC_API_KEY' } = {}) {
  const home = tempDir('claude-home');
  const cwd = tempDir('claude-work');
  const env = cliEnv({
    ...sentinel.env,
    HOME: home,
    CLAUDE_CONFIG_DIR: join(home, '.claude'),
    ANTHROPIC_BASE_URL: proxy.origin,
    [auth]: stack.key,
  });
  const since = await stack.lastSeq();
  const recFrom = proxy.records.length;
  const res = await run(
    binPath('claude'),
    ['-p', '--output-format', 'stream-json', '--verbose', '--include-partial-messages', '--allowedTools', 'Bash', ...args, '--', prompt],
    { cwd, env, timeoutMs: 120_000 },
  );
  const lines = res.lines
    .filter((l) => l.line.startsWith('{'))
    .map((l) => ({ t: l.t, msg: JSON.parse(l.line) }));
  const turns = await stack.turns(since);
  const usages = mockUsages(await stack.log());
  return { res, lines, turns, usages, records: proxy.records.slice(recFrom) };
}

function explain(res) {
  return `exit ${res.code} ${res.signal ?? ''}\n--- stdout (tail)\n${res.stdout.slice(-3000)}\n--- stderr\n${res.stderr.slice(-3000)}`;
}

function resultLine(lines, res) {
  const r = lines.filter((l) => l.msg.type === 'result').map((l) => l.msg);
  assert.equal(r.length, 1, `one result line\n${explain(res)}`);
  assert.equal(r[0].subtype, 'success', JSON.stringify(r[0]).slice(0, 800));
  assert.equal(r[0].is_error, false);
  return r[0];
}

/** Claude Code sums usage over its turns; Anthropic input_tokens exclude cache reads. */
function assertUsage(usage, turns, usages) {
  const sum = (f) => turns.reduce((n, t) => n + f(usages.get(t.seq)), 0);
  assert.equal(usage.input_tokens, sum((u) => u.input_tokens - u.cached_tokens), 'input_tokens');
  assert.equal(usage.cache_read_input_tokens, sum((u) => u.cached_tokens), 'cache_read_input_tokens');
  assert.equal(usage.output_tokens, sum((u) => u.output_tokens), 'output_tokens');
}

function deltaTimes(lines, type) {
  return lines
    .filter((l) => l.msg.type === 'stream_event' && l.msg.event?.type === 'content_block_delta' && l.msg.event.delta?.type === type)
    .map((l) => l.t);
}

function assertCleanRequests(records) {
  for (const r of records) {
    assert.ok(r.status >= 200 && r.status < 400, `${r.method} ${r.path} -> ${r.status}`);
  }
  assert.ok(records.some((r) => r.method === 'POST' && r.path.startsWith('/v1/messages')), 'Messages calls seen');
  assert.deepEqual(sentinel.attempts, [], 'Claude Code tried to reach hosts other than the gateway');
}

describe('Claude Code', () => {
  test('claude -p: streamed answer, usage, exit 0', async () => {
    await stack.delay(DELTA_DELAY_MS);
    const { res, lines, turns, usages, records } = await claude('claude plain: Ça va? ½ ≠ ∞');
    assert.equal(res.code, 0, explain(res));
    assert.equal(turns.length, 1, `one model turn\n${explain(res)}`);
    const expected = expectedOutput(turns[0].body);
    assert.ok(expected.text.startsWith('Echo: '));
    const result = resultLine(lines, res);
    assert.equal(result.result, expected.text, 'answer intact');
    assertUsage(result.usage, turns, usages);
    assertIncremental(assert, deltaTimes(lines, 'text_delta'), 'Claude Code text deltas', 4);
    // The upstream request: a Claude name mapped to a GPT model, thinking → reasoning.
    assert.match(turns[0].body.model, /^gpt-/);
    assert.ok(turns[0].body.reasoning, 'reasoning requested upstream');
    assert.ok(!JSON.stringify(turns[0].headers).includes(stack.key), 'client key leaked upstream');
    assertCleanRequests(records);
  });

  test('claude -p: thinking + Bash tool_use round trip, signature accepted on turn 2', async () => {
    await stack.delay(DELTA_DELAY_MS);
    const input = JSON.stringify({ command: 'printf %s-%s claude tool', description: 'print a word' });
    const { res, lines, turns, usages, records } = await claude(`Run this, please: [[call:Bash ${input}]]`);
    assert.equal(res.code, 0, explain(res));
    assert.equal(turns.length, 2, `two model turns\n${explain(res)}`);
    for (const t of turns) assert.equal(t.status, 200, 'the mock accepted both turns');

    // Turn 1 as Claude Code saw it: a signed thinking block, then the Bash tool_use.
    const assistant = lines.filter((l) => l.msg.type === 'assistant').flatMap((l) => l.msg.message.content);
    const thinking = assistant.filter((b) => b.type === 'thinking');
    const toolUse = assistant.filter((b) => b.type === 'tool_use');
    assert.ok(thinking.length >= 1, 'thinking blocks reached Claude Code');
    const first = expectedOutput(turns[0].body);
    assert.equal(thinking[0].thinking, first.reasoningSummary);
    assert.ok(thinking[0].signature?.length > 10, 'a signature');
    assert.equal(toolUse.length, 1);
    assert.equal(toolUse[0].name, 'Bash');
    assert.deepEqual(toolUse[0].input, JSON.parse(first.toolCalls[0].arguments));
    assertIncremental(assert, deltaTimes(lines, 'thinking_delta'), 'thinking deltas', 2);
    assertIncremental(assert, deltaTimes(lines, 'input_json_delta'), 'tool input deltas', 2);

    // Claude Code ran the command and sent the result with the thinking block back.
    const toolResults = lines
      .filter((l) => l.msg.type === 'user')
      .flatMap((l) => (Array.isArray(l.msg.message.content) ? l.msg.message.content : []))
      .filter((b) => b.type === 'tool_result');
    assert.equal(toolResults.length, 1);
    assert.equal(toolResults[0].tool_use_id, toolUse[0].id);
    const up = turns[1].body.input;
    const reasoning = up.filter((i) => i.type === 'reasoning');
    assert.ok(reasoning.some((r) => r.encrypted_content === thinking[0].signature), 'signature sent back upstream verbatim');
    const call = up.find((i) => i.type === 'function_call');
    const out = up.find((i) => i.type === 'function_call_output');
    assert.equal(call.call_id, toolUse[0].id, 'tool_use id verbatim upstream');
    assert.equal(out.call_id, toolUse[0].id);
    assert.match(typeof out.output === 'string' ? out.output : JSON.stringify(out.output), /claude-tool/);
    assert.equal(turns[1].account_id, turns[0].account_id, 'affinity keeps the conversation on one account');

    const second = expectedOutput(turns[1].body);
    assert.match(second.text, /^Tool output: claude-tool/);
    const result = resultLine(lines, res);
    assert.equal(result.result, second.text);
    assertUsage(result.usage, turns, usages);
    assertCleanRequests(records);
  });

  test('claude -p --model haiku with ANTHROPIC_AUTH_TOKEN (Bearer)', async () => {
    await stack.delay(0);
    const { res, lines, turns, usages, records } = await claude('haiku: short one', {
      args: ['--model', 'haiku'],
      auth: 'ANTHROPIC_AUTH_TOKEN',
    });
    assert.equal(res.code, 0, explain(res));
    assert.ok(turns.length >= 1, explain(res));
    const main = turns[turns.length - 1];
    assert.equal(main.body.model, 'gpt-5.4-mini', 'haiku maps to the mini model');
    const result = resultLine(lines, res);
    assert.equal(result.result, expectedOutput(main.body).text);
    assertUsage(result.usage, turns, usages);
    assertCleanRequests(records);
  });
});
