import { useTranslation } from 'react-i18next';
import type { UsageLog } from '../../api/usage';
import { fmtMs, fmtNumber, fmtTime } from '../../lib/format';
import { Modal } from '../common/Modal';

/** One request: the facts and the routing trace (which accounts were tried and why). */
export function LogDetail({ log, onClose }: { log: UsageLog; onClose: () => void }) {
  const { t } = useTranslation();
  const trace = Array.isArray(log.trace) ? (log.trace as Record<string, unknown>[]) : null;
  const facts: [string, string][] = [
    [t('usage.col.time'), fmtTime(log.created_at)],
    ['request id', log.request_id],
    [t('usage.col.endpoint'), `${log.endpoint}${log.upstream_endpoint ? ` → ${log.upstream_endpoint}` : ''}`],
    [t('usage.col.model'), `${log.requested_model ?? log.model} → ${log.effective_model ?? log.model}`],
    [t('usage.col.status'), `${log.status_code}${log.error_kind ? ` (${log.error_kind})` : ''}`],
    [t('usage.col.account'), log.account_id !== null ? `#${log.account_id}` : '—'],
    [t('usage.col.key'), log.api_key_id !== null ? `#${log.api_key_id}` : '—'],
    [t('usage.col.tokens'), `in ${fmtNumber(log.input_tokens)} (cached ${fmtNumber(log.cached_tokens)}) · out ${fmtNumber(log.output_tokens)} (reasoning ${fmtNumber(log.reasoning_tokens)})`],
    [t('usage.col.firstToken'), fmtMs(log.first_token_ms)],
    [t('usage.col.duration'), fmtMs(log.duration_ms)],
    [t('usage.col.attempts'), String(log.attempts)],
    ['user agent', log.user_agent ?? '—'],
  ];
  return (
    <Modal title={t('usage.detail')} onClose={onClose} wide>
      <dl className="facts">
        {facts.map(([k, v]) => (
          <div key={k} className="fact">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <h3>{t('usage.trace')}</h3>
      {trace ? (
        <ol className="trace" data-testid="routing-trace">
          {trace.map((step, i) => (
            <li key={i}>
              {Object.entries(step).map(([k, v]) => (
                <span key={k} className="trace-kv">
                  <b>{k}</b> {typeof v === 'object' ? JSON.stringify(v) : String(v)}
                </span>
              ))}
            </li>
          ))}
        </ol>
      ) : log.trace ? (
        <pre className="code" data-testid="routing-trace">{JSON.stringify(log.trace, null, 2)}</pre>
      ) : (
        <p className="muted">{t('usage.noTrace')}</p>
      )}
    </Modal>
  );
}
