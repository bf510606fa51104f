import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BoardRow } from '../../api/scheduler';
import { fmtNumber, fmtRelative } from '../../lib/format';
import { QuotaBar } from '../common/QuotaBar';
import { StatusBadge } from '../common/StatusBadge';

const window = (w: BoardRow['forecast']['five_hour']) => (w ? { usedPercent: w.used, resetAt: w.reset_at } : undefined);

/** Tiers, scores with their breakdown, cooldowns, in-flight against the limit, forecast. */
export function BoardTable({ rows }: { rows: BoardRow[] }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<number | null>(null);
  if (!rows.length) return <div className="empty">{t('scheduler.empty')}</div>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="scheduler-board">
        <thead>
          <tr>
            <th>{t('accounts.col.name')}</th>
            <th>{t('accounts.col.status')}</th>
            <th>{t('accounts.col.tier')}</th>
            <th>{t('scheduler.health')}</th>
            <th>{t('accounts.col.score')}</th>
            <th>{t('scheduler.cooldown')}</th>
            <th>{t('accounts.col.inFlight')}</th>
            <th>{t('scheduler.recent')}</th>
            <th>{t('accounts.col.quota5h')}</th>
            <th>{t('accounts.col.quota7d')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const cooldown = r.cooldown && r.cooldown.until > Date.now() ? r.cooldown : null;
            return (
              <Fragment key={r.account_id}>
                <tr className="clickable" onClick={() => setOpen(open === r.account_id ? null : r.account_id)}>
                  <td>
                    {r.name}
                    {r.pinned && <span className="badge info">{t('accounts.pinned')}</span>}
                    {r.probation && <span className="badge warn">{t('scheduler.probation')}</span>}
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>{t(`scheduler.tier.${r.tier}`)}</td>
                  <td>{fmtNumber(r.health.total, 1)}</td>
                  <td>{fmtNumber(r.dispatch.total, 1)}</td>
                  <td>{cooldown ? `${cooldown.reason} · ${fmtRelative(cooldown.until)}` : '—'}</td>
                  <td>
                    {r.in_flight} / {r.concurrency_limit ?? '∞'}
                  </td>
                  <td title="401 / 429 / timeout">
                    {r.recent_unauthorized} / {r.recent_rate_limited} / {r.recent_timeouts}
                  </td>
                  <td>
                    <QuotaBar label="5h" window={window(r.forecast.five_hour)} />
                  </td>
                  <td>
                    <QuotaBar label="7d" window={window(r.forecast.weekly)} />
                  </td>
                </tr>
                {open === r.account_id && (
                  <tr>
                    <td colSpan={10}>
                      <div className="breakdown">
                        <b>{t('scheduler.health')}:</b>
                        {Object.entries(r.health).map(([k, v]) => (
                          <span key={k} className="trace-kv">
                            {k} {v.toFixed(2)}
                          </span>
                        ))}
                      </div>
                      <div className="breakdown">
                        <b>{t('accounts.col.score')}:</b>
                        {Object.entries(r.dispatch).map(([k, v]) => (
                          <span key={k} className="trace-kv">
                            {k} {typeof v === 'number' ? v.toFixed(2) : String(v)}
                          </span>
                        ))}
                      </div>
                      {r.model_cooldowns.length > 0 && (
                        <div className="breakdown">
                          <b>{t('scheduler.modelCooldowns')}:</b>
                          {r.model_cooldowns.map(([model, c]) => (
                            <span key={model} className="trace-kv">
                              {model} {c.reason} {fmtRelative(c.until)}
                            </span>
                          ))}
                        </div>
                      )}
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
