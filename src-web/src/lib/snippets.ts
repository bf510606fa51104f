// Client configuration for this instance (docs clients.md §1–2).

export function codexConfig(origin: string): string {
  return `# ~/.codex/config.toml
model = "gpt-5"
model_provider = "switchyard"

[model_providers.switchyard]
name = "Switchyard"
base_url = "${origin}/v1"
wire_api = "responses"
env_key = "SWITCHYARD_API_KEY"
`;
}

export function codexEnv(key: string): string {
  return `export SWITCHYARD_API_KEY=${key}
codex`;
}

export function claudeEnv(origin: string, key: string): string {
  return `export ANTHROPIC_BASE_URL=${origin}
export ANTHROPIC_AUTH_TOKEN=${key}
export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
claude`;
}

export function curlExample(origin: string, key: string): string {
  return `curl ${origin}/v1/chat/completions \\
  -H "Authorization: Bearer ${key}" \\
  -H "Content-Type: application/json" \\
  -d '{"model":"gpt-5","messages":[{"role":"user","content":"hi"}]}'`;
}
