import { useTranslation } from 'react-i18next';
import { quotaOf, type Account, type AccountAction } from '../../api/accounts';
import { QuotaBar } from '../common/QuotaBar';
import { StatusBadge } from '../common/StatusBadge';
import { fmtNumber } from '../../lib/format';

export type RowAction = AccountAction | 'delete' | 'pin' | 'unpin' | 'test' | 'open';

interface Props {
  accounts: Account[];
  selected: Set<number>;
  onToggle: (id: number) => void;
  onToggleAll: (ids: number[], on: boolean) => void;
  onAction: (account: Account, action: RowAction) => void;
  busyId?: number | null;
}

function tierOf(a: Account): string | null {
  return a.health_tier ?? null;
}

function scoreOf(a: Account): number | null {
  return a.scheduler_score ?? null;
}

export function AccountsTable({ accounts, selected, onToggle, onToggleAll, onAction, busyId }: Props) {
  const { t } = useTranslation();
  const ids = accounts.map((a) => a.id);
  const allOn = ids.length > 0 && ids.every((id) => selected.has(id));
  if (accounts.length === 0) return <div className="empty">{t('accounts.empty')}</div>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="accounts-table">
        <thead>
          <tr>
            <th>
              <input type="checkbox" aria-label={t('accounts.selectAll')} checked={allOn} onChange={(e) => onToggleAll(ids, e.target.checked)} />
            </th>
            <th>{t('accounts.col.name')}</th>
            <th>{t('accounts.col.status')}</th>
            <th>{t('accounts.col.plan')}</th>
            <th>{t('accounts.col.quota5h')}</th>
            <th>{t('accounts.col.quota7d')}</th>
            <th>{t('accounts.col.tier')}</th>
            <th>{t('accounts.col.score')}</th>
            <th>{t('accounts.col.inFlight')}</th>
            <th>{t('accounts.col.lastError')}</th>
            <th>{t('accounts.col.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => {
            const q = quotaOf(a);
            const lastError = a.last_error ?? a.status_reason;
            return (
              <tr key={a.id} data-testid={`account-row-${a.id}`}>
                <td>
                  <input type="checkbox" aria-label={t('accounts.select', { name: a.name })} checked={selected.has(a.id)} onChange={() => onToggle(a.id)} />
                </td>
                <td>
                  <button type="button" className="link" onClick={() => onAction(a, 'open')}>
                    {a.name}
                  </button>
                  {a.pinned && <span className="badge info">{t('accounts.pinned')}</span>}
                  {a.email && a.email !== a.name && <div className="muted small">{a.email}</div>}
                </td>
                <td>
                  <StatusBadge status={a.status} reason={a.status_reason} />
                  {a.status_reason && <div className="muted small">{a.status_reason}</div>}
                </td>
                <td>{a.plan_type ?? '—'}</td>
                <td>
                  <QuotaBar label="5h" window={q.fiveHour} />
                </td>
                <td>
                  <QuotaBar label="7d" window={q.sevenDay} />
                </td>
                <td>{tierOf(a) ? t(`scheduler.tier.${tierOf(a)}`, { defaultValue: tierOf(a) }) : '—'}</td>
                <td>{fmtNumber(scoreOf(a), 1)}</td>
                <td>
                  {a.in_flight}
                  {a.max_concurrency ? ` / ${a.max_concurrency}` : ''}
                </td>
                <td className={lastError ? 'error-cell' : 'muted'} title={lastError ?? undefined}>
                  {lastError ?? '—'}
                </td>
                <td className="actions">
                  <RowButtons account={a} onAction={onAction} busy={busyId === a.id} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function RowButtons({ account: a, onAction, busy }: { account: Account; onAction: Props['onAction']; busy: boolean }) {
  const { t } = useTranslation();
  const b = (action: RowAction, label: string, danger = false) => (
    <button type="button" className={`btn btn-small${danger ? ' btn-danger' : ''}`} disabled={busy} onClick={() => onAction(a, action)}>
      {label}
    </button>
  );
  return (
    <>
      {b('test', t('accounts.action.test'))}
      {b('refresh', t('accounts.action.refresh'))}
      {a.enabled ? b('disable', t('accounts.action.disable')) : b('enable', t('accounts.action.enable'))}
      {a.paused ? b('resume', t('accounts.action.resume')) : b('pause', t('accounts.action.pause'))}
      {a.pinned ? b('unpin', t('accounts.action.unpin')) : b('pin', t('accounts.action.pin'))}
      {b('delete', t('accounts.action.delete'), true)}
    </>
  );
}
