import { useTranslation } from 'react-i18next';
import type { ApiKeyView } from '../../api/keys';
import { fmtCompact, fmtNumber, fmtTime } from '../../lib/format';

interface Props {
  keys: ApiKeyView[];
  onToggle: (k: ApiKeyView) => void;
  onDelete: (k: ApiKeyView) => void;
}

const limit = (n: number, unlimited: string) => (n > 0 ? fmtNumber(n) : unlimited);

export function KeysTable({ keys, onToggle, onDelete }: Props) {
  const { t } = useTranslation();
  if (!keys.length) return <div className="empty">{t('keys.empty')}</div>;
  const u = t('keys.unlimited');
  return (
    <div className="table-wrap">
      <table className="table" data-testid="keys-table">
        <thead>
          <tr>
            <th>{t('keys.field.name')}</th>
            <th>{t('keys.key')}</th>
            <th>{t('keys.field.rpm')}</th>
            <th>{t('keys.field.max_concurrency')}</th>
            <th>{t('keys.tokens')}</th>
            <th>{t('keys.field.allowed_models')}</th>
            <th>{t('keys.expires')}</th>
            <th>{t('keys.lastUsed')}</th>
            <th>{t('accounts.col.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id}>
              <td>
                {k.name} {!k.enabled && <span className="badge muted">{t('status.disabled')}</span>}
              </td>
              <td>
                <code>{k.key_preview}</code>
              </td>
              <td>{limit(k.rpm, u)}</td>
              <td>{limit(k.max_concurrency, u)}</td>
              <td>
                {fmtCompact(k.tokens_used)} / {k.token_quota > 0 ? fmtCompact(k.token_quota) : u}
              </td>
              <td>{k.allowed_models.length ? k.allowed_models.join(', ') : t('keys.allModels')}</td>
              <td>{k.expires_at ? fmtTime(k.expires_at) : t('keys.never')}</td>
              <td>{fmtTime(k.last_used_at)}</td>
              <td className="actions">
                <button type="button" className="btn btn-small" onClick={() => onToggle(k)}>
                  {k.enabled ? t('accounts.action.disable') : t('accounts.action.enable')}
                </button>
                <button type="button" className="btn btn-small btn-danger" onClick={() => onDelete(k)}>
                  {t('accounts.action.delete')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
