import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { quotaOf } from '../../api/accounts';
import { useAccount, useAuthJson, useUpdateAccount } from '../../hooks/useAccounts';
import { fmtTime } from '../../lib/format';
import { CopyButton } from '../common/CopyButton';
import { ErrorBanner } from '../common/ErrorBanner';
import { Loading } from '../common/Loading';
import { Modal } from '../common/Modal';
import { QuotaBar } from '../common/QuotaBar';
import { StatusBadge } from '../common/StatusBadge';

export function AccountDetail({ id, onClose }: { id: number; onClose: () => void }) {
  const { t } = useTranslation();
  const q = useAccount(id);
  const update = useUpdateAccount();
  const authJson = useAuthJson();
  const [draft, setDraft] = useState<{
    note?: string;
    proxy_url?: string;
    scheduler_priority?: string;
    score_bias_override?: string;
    base_concurrency_override?: string;
  }>({});
  const a = q.data?.account;

  const save = () => {
    const patch: Record<string, unknown> = {};
    if (draft.note !== undefined) patch.note = draft.note;
    if (draft.proxy_url !== undefined) patch.proxy_url = draft.proxy_url;
    if (draft.scheduler_priority !== undefined) patch.scheduler_priority = Number(draft.scheduler_priority);
    if (draft.score_bias_override !== undefined) patch.score_bias_override = optionalNumber(draft.score_bias_override);
    if (draft.base_concurrency_override !== undefined) {
      patch.base_concurrency_override = optionalNumber(draft.base_concurrency_override);
    }
    update.mutate({ id, patch }, { onSuccess: () => setDraft({}) });
  };

  return (
    <Modal title={a ? a.name : t('accounts.detail')} onClose={onClose} wide>
      {q.isLoading && <Loading />}
      <ErrorBanner error={q.error} onRetry={() => void q.refetch()} />
      {a && (
        <div className="stack">
          <dl className="facts">
            <dt>{t('accounts.col.status')}</dt>
            <dd>
              <StatusBadge status={a.status} reason={a.status_reason} /> {a.status_reason}
            </dd>
            <dt>{t('accounts.email')}</dt>
            <dd>{a.email ?? '—'}</dd>
            <dt>{t('accounts.col.plan')}</dt>
            <dd>{a.plan_type ?? '—'}</dd>
            <dt>{t('accounts.credential')}</dt>
            <dd>
              {a.credential_kind} · {a.credential_fingerprint} · gen {a.credential_generation}
            </dd>
            <dt>{t('accounts.tokenExpires')}</dt>
            <dd>{fmtTime(a.token_expires_at)}</dd>
            <dt>{t('accounts.lastRefreshed')}</dt>
            <dd>{fmtTime(a.last_refreshed_at)}</dd>
            <dt>{t('accounts.quota')}</dt>
            <dd className="quota-pair">
              <QuotaBar label="5h" window={quotaOf(a).fiveHour} />
              <QuotaBar label="7d" window={quotaOf(a).sevenDay} />
            </dd>
          </dl>
          <div className="grid-3">
            <label className="field">
              <span>{t('accounts.note')}</span>
              <input value={draft.note ?? a.note ?? ''} onChange={(e) => setDraft({ ...draft, note: e.target.value })} />
            </label>
            <label className="field">
              <span>{t('import.proxy')}</span>
              <input value={draft.proxy_url ?? a.proxy_url ?? ''} onChange={(e) => setDraft({ ...draft, proxy_url: e.target.value })} />
            </label>
            <label className="field">
              <span>{t('accounts.priority')}</span>
              <input type="number" min={-100} max={100} value={draft.scheduler_priority ?? String(a.scheduler_priority)} onChange={(e) => setDraft({ ...draft, scheduler_priority: e.target.value })} />
            </label>
            <label className="field">
              <span>{t('accounts.scoreBias')}</span>
              <input
                type="number"
                min={-100}
                max={200}
                value={draft.score_bias_override ?? (a.score_bias_override === null ? '' : String(a.score_bias_override))}
                onChange={(e) => setDraft({ ...draft, score_bias_override: e.target.value })}
              />
            </label>
            <label className="field">
              <span>{t('accounts.baseConcurrency')}</span>
              <input
                type="number"
                min={0}
                max={1000}
                value={draft.base_concurrency_override ?? (a.base_concurrency_override === null ? '' : String(a.base_concurrency_override))}
                onChange={(e) => setDraft({ ...draft, base_concurrency_override: e.target.value })}
              />
            </label>
          </div>
          <ErrorBanner error={update.error} />
          <div className="row-end">
            <button type="button" className="btn" onClick={() => authJson.mutate(id)} disabled={authJson.isPending}>
              {t('accounts.exportAuthJson')}
            </button>
            <button type="button" className="btn btn-primary" onClick={save} disabled={!Object.keys(draft).length || update.isPending}>
              {t('common.save')}
            </button>
          </div>
          <ErrorBanner error={authJson.error} />
          {authJson.data && (
            <div className="stack">
              <p className="muted">{t('accounts.authJsonWarning')}</p>
              <pre className="code">{authJson.data}</pre>
              <CopyButton text={authJson.data} />
            </div>
          )}
          <h3>{t('accounts.events')}</h3>
          <table className="table compact">
            <tbody>
              {(q.data?.events ?? []).map((e, i) => (
                <tr key={i}>
                  <td>{fmtTime(e.created_at)}</td>
                  <td>{e.kind}</td>
                  <td>{e.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Modal>
  );
}

/** An emptied number field clears the override. */
function optionalNumber(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}
