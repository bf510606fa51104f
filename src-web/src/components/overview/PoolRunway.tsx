import { useTranslation } from 'react-i18next';
import { quotaOf, type Account } from '../../api/accounts';
import { fmtPercent, fmtRelative } from '../../lib/format';

/**
 * Pool quota runway: the average 5h and 7d use across accounts that reported quota, how many
 * are at their limit, and when the earliest full window resets.
 */
export function PoolRunway({ accounts }: { accounts: Account[] }) {
  const { t } = useTranslation();
  const windows = accounts.map(quotaOf);
  const five = windows.map((w) => w.fiveHour).filter((w) => w !== undefined);
  const seven = windows.map((w) => w.sevenDay).filter((w) => w !== undefined);
  const avg = (xs: { usedPercent: number }[]) => (xs.length ? xs.reduce((s, w) => s + w.usedPercent, 0) / xs.length : null);
  const full = [...five, ...seven].filter((w) => w.usedPercent >= 100);
  const nextReset = full.map((w) => w.resetAt).filter((r): r is number => r !== null).sort((a, b) => a - b)[0];
  const headroom = five.length ? five.reduce((s, w) => s + Math.max(0, 100 - w.usedPercent), 0) / 100 : null;
  return (
    <div className="card" data-testid="pool-runway">
      <h3>{t('overview.runway')}</h3>
      {five.length + seven.length === 0 ? (
        <p className="muted">{t('overview.noQuota')}</p>
      ) : (
        <dl className="facts">
          <dt>{t('overview.avg5h')}</dt>
          <dd>{fmtPercent(avg(five))}</dd>
          <dt>{t('overview.avg7d')}</dt>
          <dd>{fmtPercent(avg(seven))}</dd>
          <dt>{t('overview.headroom')}</dt>
          <dd>{headroom === null ? '—' : t('overview.headroomValue', { n: headroom.toFixed(1) })}</dd>
          <dt>{t('overview.atLimit')}</dt>
          <dd>
            {full.length}
            {nextReset ? ` · ${t('overview.nextReset', { when: fmtRelative(nextReset) })}` : ''}
          </dd>
        </dl>
      )}
    </div>
  );
}
