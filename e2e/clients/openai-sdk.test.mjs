// The official `openai` JavaScript SDK against the gateway: Chat Completions and Responses,
// streaming and not, with tools and a tool round trip. Every answer is compared with what
// mock-upstream produced for the request it actually received.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { DELTA_DELAY_MS, assertIncremental, expectedOutput, mockUsages, startStack } from './harness.mjs';

const MODEL = 'gpt-5.5';
let stack;
let client;

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const weatherToolFlat = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

before(async () => {
  stack = await startStack({ accounts: 2 });
  client = new OpenAI({ apiKey: stack.key, baseURL: `${stack.origin}/v1`, maxRetries: 0, timeout: 30_000 });
});
after(() => stack?.stop());

/** Runs `fn`, then returns the single upstream turn it caused and the mock's usage for it. */
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

function assertChatUsage(usage, mock) {
  assert.equal(usage.prompt_tokens, mock.input_tokens, 'prompt_tokens');
  assert.equal(usage.completion_tokens, mock.output_tokens, 'completion_tokens');
  assert.equal(usage.total_tokens, mock.input_tokens + mock.output_tokens, 'total_tokens');
  assert.equal(usage.prompt_tokens_details?.cached_tokens ?? 0, mock.cached_tokens, 'cached_tokens');
  assert.equal(usage.completion_tokens_details?.reasoning_tokens ?? 0, mock.reasoning_tokens, 'reasoning_tokens');
}

function assertResponsesUsage(usage, mock) {
  assert.equal(usage.input_tokens, mock.input_tokens, 'input_tokens');
  assert.equal(usage.output_tokens, mock.output_tokens, 'output_tokens');
  assert.equal(usage.total_tokens, mock.input_tokens + mock.output_tokens, 'total_tokens');
  assert.equal(usage.input_tokens_details?.cached_tokens ?? 0, mock.cached_tokens, 'cached_tokens');
}

describe('openai SDK: chat.completions', () => {
  test('non-streaming text', async () => {
    await stack.delay(0);
    const { result, expected, usage } = await oneTurn(() =>
      client.chat.completions.create({
        model: MODEL,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'chat plain: naïve façade ✓' },
        ],
      }),
    );
    assert.equal(expected.text, 'Echo: chat plain: naïve façade ✓ — café 🦀');
    assert.equal(result.object, 'chat.completion');
    assert.equal(result.model, MODEL);
    assert.equal(result.choices.length, 1);
    assert.equal(result.choices[0].message.role, 'assistant');
    assert.equal(result.choices[0].message.content, expected.text);
    assert.equal(result.choices[0].finish_reason, 'stop');
    assertChatUsage(result.usage, usage);
  });

  test('streaming text arrives incrementally, with include_usage', async () => {
    await stack.delay(DELTA_DELAY_MS);
    const { result, expected, usage } = await oneTurn(async () => {
      const stream = await client.chat.completions.create({
        model: MODEL,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'chat stream: the quick brown fox jumps over the lazy dog' }],
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push({ t: Math.round(performance.now()), chunk });
      return chunks;
    });
    const text = result.map((c) => c.chunk.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, expected.text);
    const contentTimes = result.filter((c) => c.chunk.choices[0]?.delta?.content).map((c) => c.t);
    assertIncremental(assert, contentTimes, 'chat stream content', 4);
    const ids = new Set(result.map((c) => c.chunk.id));
    assert.equal(ids.size, 1, 'one completion id across the stream');
    const finish = result.filter((c) => c.chunk.choices[0]?.finish_reason).map((c) => c.chunk.choices[0].finish_reason);
    assert.deepEqual(finish, ['stop']);
    const last = result[result.length - 1].chunk;
    assert.deepEqual(last.choices, [], 'include_usage: a last chunk with choices: []');
    assertChatUsage(last.usage, usage);
    // Reasoning deltas (the mock always reasons on this path) come as reasoning_content.
    const reasoning = result.map((c) => c.chunk.choices[0]?.delta?.reasoning_content ?? '').join('');
    assert.equal(reasoning, expected.reasoningSummary ?? '');
  });

  test('non-streaming tool call and round trip', async () => {
    await stack.delay(0);
    const messages = [{ role: 'user', content: 'weather please [[call:get_weather {"city":"Zürich"}]]' }];
    const first = await oneTurn(() => client.chat.completions.create({ model: MODEL, messages, tools: [weatherTool] }));
    const msg = first.result.choices[0].message;
    assert.equal(first.result.choices[0].finish_reason, 'tool_calls');
    assert.equal(msg.content, null);
    assert.equal(msg.tool_calls.length, 1);
    const call = msg.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.equal(call.function.arguments, first.expected.toolCalls[0].arguments);
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Zürich' });
    assertChatUsage(first.result.usage, first.usage);

    messages.push(msg, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 °C' });
    const second = await oneTurn(() => client.chat.completions.create({ model: MODEL, messages, tools: [weatherTool] }));
    const items = second.turn.body.input;
    const upCall = items.find((i) => i.type === 'function_call');
    const upOut = items.find((i) => i.type === 'function_call_output');
    assert.equal(upCall.call_id, call.id, 'tool call id verbatim upstream');
    assert.equal(upOut.call_id, call.id, 'tool output id verbatim upstream');
    assert.equal(second.expected.text, 'Tool output: sunny, 21 °C — café 🦀');
    assert.equal(second.result.choices[0].message.content, second.expected.text);
    assert.equal(second.result.choices[0].finish_reason, 'stop');
    assertChatUsage(second.result.usage, second.usage);
  });

  test('streaming tool call: streamed argument fragments', async () => {
    await stack.delay(DELTA_DELAY_MS);
    const { result, expected, usage } = await oneTurn(async () => {
      const stream = await client.chat.completions.create({
        model: MODEL,
        stream: true,
        stream_options: { include_usage: true },
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'two cities [[call:get_weather {"city":"Kraków, Polska"}]]' }],
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push({ t: Math.round(performance.now()), chunk });
      return chunks;
    });
    const calls = [];
    const argTimes = [];
    for (const { t, chunk } of result) {
      for (const tc of chunk.choices[0]?.delta?.tool_calls ?? []) {
        calls[tc.index] ??= { id: '', name: '', arguments: '' };
        if (tc.id) calls[tc.index].id = tc.id;
        if (tc.function?.name) calls[tc.index].name += tc.function.name;
        if (tc.function?.arguments) {
          calls[tc.index].arguments += tc.function.arguments;
          argTimes.push(t);
        }
      }
    }
    assert.equal(calls.length, 1);
    assert.equal(calls[0].name, 'get_weather');
    assert.match(calls[0].id, /^[A-Za-z0-9_-]+$/);
    assert.equal(calls[0].arguments, expected.toolCalls[0].arguments);
    assertIncremental(assert, argTimes, 'chat stream tool arguments', 2);
    const finish = result.filter((c) => c.chunk.choices[0]?.finish_reason).map((c) => c.chunk.choices[0].finish_reason);
    assert.deepEqual(finish, ['tool_calls']);
    assertChatUsage(result[result.length - 1].chunk.usage, usage);
  });
});

describe('openai SDK: responses', () => {
  test('non-streaming text with a string input', async () => {
    await stack.delay(0);
    const { result, turn, expected, usage } = await oneTurn(() =>
      client.responses.create({ model: MODEL, instructions: 'Be brief.', input: 'responses plain: ünïcödé' }),
    );
    assert.equal(turn.body.store, false, 'store forced to false upstream');
    assert.equal(expected.text, 'Echo: responses plain: ünïcödé — café 🦀');
    assert.equal(result.object, 'response');
    assert.equal(result.status, 'completed');
    assert.equal(result.output_text, expected.text);
    assertResponsesUsage(result.usage, usage);
  });

  test('streaming text arrives incrementally', async () => {
    await stack.delay(DELTA_DELAY_MS);
    const { result, expected, usage } = await oneTurn(async () => {
      const stream = await client.responses.create({
        model: MODEL,
        stream: true,
        input: [{ role: 'user', content: 'responses stream: pack my box with five dozen liquor jugs' }],
      });
      const events = [];
      for await (const ev of stream) events.push({ t: Math.round(performance.now()), ev });
      return events;
    });
    const deltas = result.filter((e) => e.ev.type === 'response.output_text.delta');
    assert.equal(deltas.map((e) => e.ev.delta).join(''), expected.text);
    assertIncremental(assert, deltas.map((e) => e.t), 'responses stream text', 4);
    const done = result.filter((e) => e.ev.type === 'response.completed');
    assert.equal(done.length, 1, 'exactly one response.completed');
    const response = done[0].ev.response;
    assert.equal(response.status, 'completed');
    assertResponsesUsage(response.usage, usage);
    const seq = result.map((e) => e.ev.sequence_number);
    assert.deepEqual(seq, [...seq].sort((a, b) => a - b), 'sequence numbers ascend');
  });

  test('non-streaming tool call and round trip', async () => {
    await stack.delay(0);
    const input = [{ role: 'user', content: 'call it [[call:get_weather {"city":"Łódź"}]]' }];
    const first = await oneTurn(() => client.responses.create({ model: MODEL, input, tools: [weatherToolFlat] }));
    const calls = first.result.output.filter((i) => i.type === 'function_call');
    assert.equal(calls.length, 1);
    assert.equal(calls[0].name, 'get_weather');
    assert.equal(calls[0].arguments, first.expected.toolCalls[0].arguments);
    assertResponsesUsage(first.result.usage, first.usage);

    const next = [...input, ...first.result.output, { type: 'function_call_output', call_id: calls[0].call_id, output: 'rain, 12 °C' }];
    const second = await oneTurn(() => client.responses.create({ model: MODEL, input: next, tools: [weatherToolFlat] }));
    const upOut = second.turn.body.input.find((i) => i.type === 'function_call_output');
    assert.equal(upOut.call_id, calls[0].call_id);
    assert.equal(second.expected.text, 'Tool output: rain, 12 °C — café 🦀');
    assert.equal(second.result.output_text, second.expected.text);
    assertResponsesUsage(second.result.usage, second.usage);
  });

  test('streaming tool call', async () => {
    await stack.delay(DELTA_DELAY_MS);
    const { result, expected, usage } = await oneTurn(async () => {
      const stream = await client.responses.create({
        model: MODEL,
        stream: true,
        tools: [weatherToolFlat],
        input: 'stream a call [[call:get_weather {"city":"São Paulo"}]]',
      });
      const events = [];
      for await (const ev of stream) events.push({ t: Math.round(performance.now()), ev });
      return events;
    });
    const added = result.filter((e) => e.ev.type === 'response.output_item.added' && e.ev.item.type === 'function_call');
    assert.equal(added.length, 1);
    assert.equal(added[0].ev.item.name, 'get_weather');
    const argDeltas = result.filter((e) => e.ev.type === 'response.function_call_arguments.delta');
    assert.equal(argDeltas.map((e) => e.ev.delta).join(''), expected.toolCalls[0].arguments);
    assertIncremental(assert, argDeltas.map((e) => e.t), 'responses stream arguments', 2);
    const completed = result.find((e) => e.ev.type === 'response.completed').ev.response;
    const doneItems = result.filter((e) => e.ev.type === 'response.output_item.done').map((e) => e.ev.item);
    const call = doneItems.find((i) => i.type === 'function_call');
    assert.equal(call.arguments, expected.toolCalls[0].arguments);
    assertResponsesUsage(completed.usage, usage);
  });
});

describe('openai SDK: responses with previous_response_id (history kept by the gateway)', () => {
  test('a tool loop chained by id, streaming then not, then a follow-up', async () => {
    await stack.delay(0);
    // Turn 1, streamed: the call. The id the SDK sees is the one to chain on.
    const first = await oneTurn(async () => {
      const stream = await client.responses.create({
        model: MODEL,
        stream: true,
        reasoning: { effort: 'low' },
        tools: [weatherToolFlat],
        input: 'chain me [[call:get_weather {"city":"Oslo"}]]',
      });
      let done = null;
      for await (const ev of stream) if (ev.type === 'response.completed') done = ev.response;
      return done;
    });
    const call = first.result.output.find((i) => i.type === 'function_call');
    assert.ok(call, JSON.stringify(first.result.output));

    // Turn 2: only the tool output plus the id; upstream must see the whole history.
    const second = await oneTurn(() =>
      client.responses.create({
        model: MODEL,
        previous_response_id: first.result.id,
        reasoning: { effort: 'low' },
        tools: [weatherToolFlat],
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'snow, -3 °C' }],
      }),
    );
    const up2 = second.turn.body.input;
    assert.equal(second.turn.body.previous_response_id, undefined, 'never sent upstream');
    assert.deepEqual(
      up2.map((i) => i.type ?? 'message'),
      ['message', 'reasoning', 'function_call', 'function_call_output'],
      JSON.stringify(up2).slice(0, 600),
    );
    assert.equal(up2[1].encrypted_content, first.result.output[0].encrypted_content, 'reasoning replayed');
    assert.equal(up2[2].call_id, call.call_id);
    assert.equal(up2[3].call_id, call.call_id, 'the output stays paired with its call');
    assert.equal(second.turn.account_id, first.turn.account_id, 'routed to the account that produced it');
    assert.equal(second.turn.body.prompt_cache_key, first.turn.body.prompt_cache_key, 'same cache identity');
    assert.equal(second.result.output_text, 'Tool output: snow, -3 °C — café 🦀');
    assertResponsesUsage(second.result.usage, second.usage);

    // Turn 3: a plain follow-up on turn 2.
    const third = await oneTurn(() =>
      client.responses.create({
        model: MODEL,
        previous_response_id: second.result.id,
        reasoning: { effort: 'low' },
        input: 'and tomorrow?',
      }),
    );
    const up3 = third.turn.body.input;
    assert.equal(up3.length, up2.length + 3, 'turn 2 history + its reasoning + its message + the new user message');
    assert.equal(third.result.output_text, 'Echo: and tomorrow? — café 🦀');
  });

  test('an unknown previous_response_id is a 400 previous_response_not_found', async () => {
    const since = await stack.lastSeq();
    await assert.rejects(
      client.responses.create({ model: MODEL, previous_response_id: 'resp_does_not_exist', input: 'hi' }),
      (err) => {
        assert.equal(err.status, 400);
        assert.equal(err.code, 'previous_response_not_found');
        return true;
      },
    );
    assert.equal((await stack.turns(since)).length, 0, 'nothing sent upstream');
  });
});

describe('openai SDK: models', () => {
  test('models.list', async () => {
    const page = await client.models.list();
    const ids = page.data.map((m) => m.id);
    assert.ok(ids.includes(MODEL), `models: ${ids.join(', ')}`);
    for (const m of page.data) assert.equal(m.object, 'model');
  });
});
