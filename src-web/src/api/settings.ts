import { request } from './client';

export type SettingType = 'integer' | 'number' | 'boolean' | 'string' | 'enum' | 'json';

export interface SettingSchema {
  key: string;
  type: SettingType;
  default: unknown;
  help: string;
  min?: number | null;
  max?: number | null;
  options?: string[] | null;
  group?: string | null;
}

export interface SettingsBody {
  settings: Record<string, unknown>;
  schema: SettingSchema[];
}

export const settingsApi = {
  get: () => request<SettingsBody>('/settings'),
  put: (values: Record<string, unknown>) => request<SettingsBody>('/settings', { method: 'PUT', body: values }),
};

/** Client-side check mirroring the server's: returns an error sentence or null. */
export function validateSetting(s: SettingSchema, raw: string | boolean): string | null {
  if (s.type === 'boolean') return null;
  const text = String(raw).trim();
  if (s.type === 'integer' || s.type === 'number') {
    if (text === '') return 'A number is required.';
    const n = Number(text);
    if (!Number.isFinite(n)) return 'Enter a number.';
    if (s.type === 'integer' && !Number.isInteger(n)) return 'Enter a whole number.';
    if (s.min != null && n < s.min) return `Must be at least ${s.min}.`;
    if (s.max != null && n > s.max) return `Must be at most ${s.max}.`;
    return null;
  }
  if (s.type === 'enum') {
    return s.options && !s.options.includes(text) ? `Choose one of: ${s.options.join(', ')}.` : null;
  }
  if (s.type === 'json') {
    try {
      JSON.parse(text || 'null');
      return null;
    } catch {
      return 'Not valid JSON.';
    }
  }
  return null;
}

/** Converts the edited text back into the typed value the server expects. */
export function parseSetting(s: SettingSchema, raw: string | boolean): unknown {
  if (s.type === 'boolean') return Boolean(raw);
  const text = String(raw).trim();
  if (s.type === 'integer' || s.type === 'number') return Number(text);
  if (s.type === 'json') return JSON.parse(text || 'null');
  return String(raw);
}
