// The official `@anthropic-ai/sdk` JavaScript SDK against the gateway: messages streaming and
// not, with tools and thinking (the gateway's signatures sent back on the next turn), and
// count_tokens. Every answer is compared with what mock-upstream produced.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { DELTA_DELAY_MS, assertIncremental, expectedOutput, mockUsages, startStack } from './harness.mjs';

const MODEL = 'claude-sonnet-5';
let stack;
let client;

const bashTool = {
  name: 'run_shell',
  description: 'Runs a shell command',
  input_schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { command: { type: 'string' } },
    required: ['command'],
    additionalProperties: false,
  },
};

before(async () => {
  stack = await startStack({ accounts: 2 });
  // The SDK sends `api_key` as x-api-key; the gateway also accepts Bearer (authToken).
  client = new Anthropic({ apiKey: stack.key, baseURL: stack.origin, maxRetries: 0, timeout: 30_000 });
});
after(() => stack?.stop());

async function oneTurn(fn) {
  const since = await stack.lastSeq();
  const result = await fn();
  const turns = await stack.turns(since);
  assert.equal(turns.length, 1, `expected one upstream /responses call, got ${turns.length}`);
  const [turn] = turns;
  assert.equal(turn.status, 200);
  const usage = mockUsages(await stack.log()).get(turn.seq);
  return { result, turn, expected: expectedOutput(turn.body), usage };
}

/** Anthropic's input_tokens excludes cache reads: I − C + C must equal the upstream I. */
function assertUsage(usage, mock) {
  assert.equal(usage.input_tokens, mock.input_tokens - mock.cached_tokens, 'input_tokens (uncached)');
  assert.equal(usage.cache_read_input_tokens, mock.cached_tokens, 'cache_read_input_tokens');
  assert.equal(usage.output_tokens, mock.output_tokens, 'output_tokens');
}

describe('anthropic SDK: messages', () => {
  test('non-streaming text with a system prompt', async () => {
    await stack.delay(0);
    const { result, turn, expected, usage } = await oneTurn(() =>
      client.messages.create({
        model: MODEL,
        max_tokens: 1024,
        system: 'You are terse.',
        messages: [{ role: 'user', content: 'anthropic plain: Grüße aus Köln' }],
      }),
    );
    assert.equal(turn.body.input[0].role, 'developer', 'system → developer item upstream');
    assert.equal(expected.text, 'Echo: anthropic plain: Grüße aus Köln — café 🦀');
    assert.equal(result.type, 'message');
    assert.equal(result.role, 'assistant');
    assert.equal(result.model, MODEL);
    assert.equal(result.stop_reason, 'end_turn');
    const texts = result.content.filter((b) => b.type === 'text');
    assert.equal(texts.length, 1);
    assert.equal(texts[0].text, expected.text);
    assert.ok(!result.content.some((b) => b.type === 'thinking'), 'no thinking blocks unless asked');
    assertUsage(result.usage, usage);
  });

  test('streaming text arrives incrementally', async () => {
    await stack.delay(DELTA_DELAY_MS);
    const { result, expected, usage } = await oneTurn(async () => {
      const stream = client.messages.stream({
        model: MODEL,
        max_tokens: 1024,
        messages: [{ role: 'user', content: 'anthropic stream: sphinx of black quartz, judge my vow' }],
      });
      const events = [];
      for await (const ev of stream) events.push({ t: Math.round(performance.now()), ev });
      return { events, final: await stream.finalMessage() };
    });
    const { events, final } = result;
    assert.equal(events[0].ev.type, 'message_start');
    assert.equal(events[events.length - 1].ev.type, 'message_stop');
    const textDeltas = events.filter((e) => e.ev.type === 'content_block_delta' && e.ev.delta.type === 'text_delta');
    assert.equal(textDeltas.map((e) => e.ev.delta.text).join(''), expected.text);
    assertIncremental(assert, textDeltas.map((e) => e.t), 'messages stream text', 4);
    assert.equal(final.content.filter((b) => b.type === 'text').map((b) => b.text).join(''), expected.text);
    assert.equal(final.stop_reason, 'end_turn');
    assertUsage(final.usage, usage);
  });

  test('streaming thinking + tool_use, then the signature accepted back on turn 2', async () => {
    await stack.delay(DELTA_DELAY_MS);
    const messages = [{ role: 'user', content: 'list files [[call:run_shell {"command":"ls -la /tmp"}]]' }];
    const params = { model: MODEL, max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 4096 }, tools: [bashTool] };
    const first = await oneTurn(async () => {
      const stream = client.messages.stream({ ...params, messages });
      const events = [];
      for await (const ev of stream) events.push({ t: Math.round(performance.now()), ev });
      return { events, final: await stream.finalMessage() };
    });
    const { events, final } = first.result;
    assert.equal(first.turn.body.reasoning?.effort, 'medium', 'budget 4096 → effort medium');
    const thinkingDeltas = events.filter((e) => e.ev.type === 'content_block_delta' && e.ev.delta.type === 'thinking_delta');
    assertIncremental(assert, thinkingDeltas.map((e) => e.t), 'thinking deltas', 2);
    const argDeltas = events.filter((e) => e.ev.type === 'content_block_delta' && e.ev.delta.type === 'input_json_delta');
    assert.equal(argDeltas.map((e) => e.ev.delta.partial_json).join(''), first.expected.toolCalls[0].arguments);
    assert.deepEqual(final.content.map((b) => b.type), ['thinking', 'tool_use'], 'thinking precedes tool_use');
    const [thinking, toolUse] = final.content;
    assert.equal(thinking.thinking, first.expected.reasoningSummary);
    assert.ok(thinking.signature.length > 10, 'a signature');
    assert.equal(toolUse.name, 'run_shell');
    assert.deepEqual(toolUse.input, { command: 'ls -la /tmp' });
    assert.match(toolUse.id, /^[a-zA-Z0-9_-]+$/);
    assert.equal(final.stop_reason, 'tool_use');
    assertUsage(final.usage, first.usage);

    messages.push(
      { role: 'assistant', content: final.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'a.txt\nb.txt' }] },
    );
    const second = await oneTurn(async () => {
      const stream = client.messages.stream({ ...params, messages });
      return stream.finalMessage();
    });
    const up = second.turn.body.input;
    const reasoning = up.find((i) => i.type === 'reasoning');
    assert.equal(reasoning?.encrypted_content, thinking.signature, 'signature sent upstream byte for byte');
    assert.equal(up.find((i) => i.type === 'function_call').call_id, toolUse.id);
    assert.equal(up.find((i) => i.type === 'function_call_output').call_id, toolUse.id);
    assert.equal(second.turn.account_id, first.turn.account_id, 'affinity keeps the conversation on one account');
    assert.equal(second.expected.text, 'Tool output: a.txt\nb.txt — café 🦀');
    assert.equal(second.result.content.filter((b) => b.type === 'text').map((b) => b.text).join(''), second.expected.text);
    assert.equal(second.result.stop_reason, 'end_turn');
    assertUsage(second.result.usage, second.usage);
  });

  test('non-streaming thinking + tool_use round trip', async () => {
    await stack.delay(0);
    const messages = [{ role: 'user', content: 'adaptive [[call:run_shell {"command":"uname -a"}]]' }];
    const params = { model: MODEL, max_tokens: 8000, thinking: { type: 'adaptive' }, tools: [bashTool] };
    const first = await oneTurn(() => client.messages.create({ ...params, messages }));
    assert.equal(first.turn.body.reasoning?.effort, 'high', 'adaptive → effort high');
    assert.deepEqual(first.result.content.map((b) => b.type), ['thinking', 'tool_use']);
    const [thinking, toolUse] = first.result.content;
    assert.equal(thinking.thinking, first.expected.reasoningSummary);
    assert.deepEqual(toolUse.input, { command: 'uname -a' });
    assertUsage(first.result.usage, first.usage);

    messages.push(
      { role: 'assistant', content: first.result.content },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: [{ type: 'text', text: 'Linux box' }] }],
      },
    );
    const second = await oneTurn(() => client.messages.create({ ...params, messages }));
    assert.equal(second.turn.body.input.find((i) => i.type === 'reasoning')?.encrypted_content, thinking.signature);
    assert.equal(second.result.content.filter((b) => b.type === 'text')[0].text, 'Tool output: Linux box — café 🦀');
    assertUsage(second.result.usage, second.usage);
  });

  test('Bearer auth (authToken) and an unknown anthropic-version are accepted', async () => {
    await stack.delay(0);
    const bearer = new Anthropic({
      apiKey: null,
      authToken: stack.key,
      baseURL: stack.origin,
      maxRetries: 0,
      defaultHeaders: { 'anthropic-version': '2026-10-21' },
    });
    const { result, expected } = await oneTurn(() =>
      bearer.messages.create({ model: 'claude-haiku-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'haiku via bearer' }] }),
    );
    assert.equal(result.content[0].text, expected.text);
    assert.equal(result.model, 'claude-haiku-4-5');
  });
});

describe('anthropic SDK: count_tokens', () => {
  test('answered locally; system and tools add to the count', async () => {
    const since = await stack.lastSeq();
    const base = { model: MODEL, messages: [{ role: 'user', content: 'How many tokens is this sentence, roughly?' }] };
    const plain = await client.messages.countTokens(base);
    const withSystem = await client.messages.countTokens({ ...base, system: 'You are a meticulous token counter.' });
    const withTools = await client.messages.countTokens({ ...base, tools: [bashTool] });
    for (const r of [plain, withSystem, withTools]) {
      assert.ok(Number.isInteger(r.input_tokens) && r.input_tokens > 0, JSON.stringify(r));
    }
    assert.ok(plain.input_tokens < 40, `a short sentence is a few tokens, got ${plain.input_tokens}`);
    assert.ok(withSystem.input_tokens > plain.input_tokens);
    assert.ok(withTools.input_tokens > plain.input_tokens);
    assert.equal((await stack.turns(since)).length, 0, 'count_tokens never calls upstream');
  });
});

describe('anthropic SDK: models', () => {
  test('models.list', async () => {
    const page = await client.models.list();
    assert.ok(page.data.length > 0);
    for (const m of page.data) {
      assert.equal(m.type, 'model', JSON.stringify(m));
      assert.equal(typeof m.id, 'string');
      assert.equal(typeof m.display_name, 'string');
    }
    assert.ok(page.data.some((m) => m.id.startsWith('claude-')), 'Claude names listed');
  });
});
