import { useTranslation } from 'react-i18next';
import type { UsageLog } from '../../api/usage';
import { fmtMs, fmtNumber, fmtTime } from '../../lib/format';

export function LogsTable({ logs, onOpen }: { logs: UsageLog[]; onOpen: (l: UsageLog) => void }) {
  const { t } = useTranslation();
  if (!logs.length) return <div className="empty">{t('usage.empty')}</div>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="usage-logs">
        <thead>
          <tr>
            <th>{t('usage.col.time')}</th>
            <th>{t('usage.col.status')}</th>
            <th>{t('usage.col.model')}</th>
            <th>{t('usage.col.endpoint')}</th>
            <th>{t('usage.col.account')}</th>
            <th>{t('usage.col.key')}</th>
            <th>{t('usage.col.tokens')}</th>
            <th>{t('usage.col.firstToken')}</th>
            <th>{t('usage.col.duration')}</th>
            <th>{t('usage.col.attempts')}</th>
          </tr>
        </thead>
        <tbody>
          {logs.map((l) => (
            <tr key={l.id} className={l.status_code >= 400 ? 'row-bad clickable' : 'clickable'} onClick={() => onOpen(l)}>
              <td>{fmtTime(l.created_at)}</td>
              <td>
                <span className={`badge ${l.status_code >= 400 ? 'bad' : 'good'}`}>{l.status_code}</span>
                {l.error_kind && <div className="muted small">{l.error_kind}</div>}
              </td>
              <td>
                {l.requested_model && l.requested_model !== l.model ? `${l.requested_model} → ${l.model}` : l.model}
                {l.stream && <span className="badge info">stream</span>}
              </td>
              <td>{l.endpoint}</td>
              <td>{l.account_id !== null ? `#${l.account_id}` : '—'}</td>
              <td>{l.api_key_id !== null ? `#${l.api_key_id}` : '—'}</td>
              <td>
                {fmtNumber(l.input_tokens)} / {fmtNumber(l.output_tokens)}
              </td>
              <td>{fmtMs(l.first_token_ms)}</td>
              <td>{fmtMs(l.duration_ms)}</td>
              <td>{l.attempts}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
