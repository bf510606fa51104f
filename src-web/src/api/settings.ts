import i18n from '../i18n';
import { request } from './client';

const v = (key: string, vars?: Record<string, unknown>) => i18n.t(`settings.validation.${key}`, vars ?? {});

import type { SettingType } from './generated/SettingType';

export type { SettingType };

export interface SettingSchema {
  key: string;
  type: SettingType;
  default: unknown;
  help: string;
  min?: number | null;
  max?: number | null;
  options?: string[] | null;
  /** Empty means `null` (the feature is off). */
  nullable?: boolean;
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
  if (s.nullable && text === '') return null;
  if (s.type === 'integer') {
    if (text === '') return v('required');
    const n = Number(text);
    if (!Number.isFinite(n)) return v('number');
    if (!Number.isInteger(n)) return v('integer');
    if (s.min != null && n < s.min) return v('min', { min: s.min });
    if (s.max != null && n > s.max) return v('max', { max: s.max });
    return null;
  }
  if (s.type === 'enum') {
    return s.options && !s.options.includes(text) ? v('oneOf', { options: s.options.join(', ') }) : null;
  }
  if (s.type === 'json') {
    try {
      JSON.parse(text || 'null');
      return null;
    } catch {
      return v('json');
    }
  }
  return null;
}

/** Converts the edited text back into the typed value the server expects. */
export function parseSetting(s: SettingSchema, raw: string | boolean): unknown {
  if (s.type === 'boolean') return Boolean(raw);
  const text = String(raw).trim();
  if (s.nullable && text === '') return null;
  if (s.type === 'integer') return Number(text);
  if (s.type === 'json') return JSON.parse(text || 'null');
  return String(raw);
}
