import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { parseSetting, validateSetting, type SettingSchema, type SettingsBody } from '../../api/settings';
import { ErrorBanner } from '../common/ErrorBanner';

type Draft = Record<string, string | boolean>;

function toDraft(s: SettingSchema, v: unknown): string | boolean {
  if (s.type === 'boolean') return Boolean(v);
  if (s.type === 'json') return JSON.stringify(v ?? null, null, 2);
  return v === null || v === undefined ? '' : String(v);
}

interface Props {
  body: SettingsBody;
  onSave: (values: Record<string, unknown>) => void;
  saving: boolean;
  error: unknown;
  saved: boolean;
}

/** Every runtime setting with its help text; invalid values are caught before saving. */
export function SettingsForm({ body, onSave, saving, error, saved }: Props) {
  const { t } = useTranslation();
  const initial = useMemo(() => Object.fromEntries(body.schema.map((s) => [s.key, toDraft(s, body.settings[s.key] ?? s.default)])), [body]);
  const [draft, setDraft] = useState<Draft>(initial);
  const [touched, setTouched] = useState(false);
  const errors = Object.fromEntries(body.schema.map((s) => [s.key, validateSetting(s, draft[s.key] ?? '')]).filter(([, e]) => e));
  const changed = body.schema.filter((s) => draft[s.key] !== initial[s.key]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length) return;
    onSave(Object.fromEntries(changed.map((s) => [s.key, parseSetting(s, draft[s.key] ?? '')])));
  };

  return (
    <form className="stack" onSubmit={submit} data-testid="settings-form">
      {body.schema.map((s) => {
        const err = errors[s.key];
        const value = draft[s.key];
        const set = (v: string | boolean) => setDraft({ ...draft, [s.key]: v });
        return (
          <div key={s.key} className={`setting${err ? ' invalid' : ''}`}>
            <label className="field">
              <span>
                <code>{s.key}</code>
              </span>
              {s.type === 'boolean' ? (
                <input type="checkbox" aria-label={s.key} checked={Boolean(value)} onChange={(e) => set(e.target.checked)} />
              ) : s.type === 'enum' && s.options ? (
                <select aria-label={s.key} value={String(value)} onChange={(e) => set(e.target.value)}>
                  {s.options.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </select>
              ) : s.type === 'json' ? (
                <textarea aria-label={s.key} rows={3} value={String(value)} onChange={(e) => set(e.target.value)} />
              ) : (
                <input aria-label={s.key} inputMode={s.type === 'string' ? undefined : 'numeric'} value={String(value)} onChange={(e) => set(e.target.value)} />
              )}
            </label>
            <div className="help">
              {t(`settings.help.${s.key}`, { defaultValue: s.help })}
              <span className="muted"> · {t('settings.default', { value: JSON.stringify(s.default) })}</span>
            </div>
            {err && (touched || value !== initial[s.key]) && (
              <div className="field-error" role="alert">
                {err}
              </div>
            )}
          </div>
        );
      })}
      <ErrorBanner error={error} />
      {saved && <div className="banner banner-ok">{t('settings.saved')}</div>}
      <div className="row-end sticky-actions">
        <button type="button" className="btn" onClick={() => setDraft(initial)} disabled={!changed.length}>
          {t('common.reset')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={saving || !changed.length}>
          {t('settings.save', { count: changed.length })}
        </button>
      </div>
    </form>
  );
}
