import type { QuotaWindow } from '../../api/accounts';
import { fmtRelative } from '../../lib/format';

/** A used-percent bar with the reset time underneath; a dash when the window is unknown. */
export function QuotaBar({ label, window }: { label: string; window?: QuotaWindow }) {
  if (!window) return <span className="muted" title={label}>—</span>;
  const used = Math.max(0, Math.min(100, window.usedPercent));
  const tone = used >= 90 ? 'bad' : used >= 70 ? 'warn' : 'good';
  return (
    <div className="quota" title={`${label}: ${used.toFixed(0)}%`} data-testid={`quota-${label}`}>
      <div className="quota-head">
        <span>{label}</span>
        <span>{used.toFixed(0)}%</span>
      </div>
      <div className="quota-track">
        <div className={`quota-fill ${tone}`} style={{ width: `${used}%` }} />
      </div>
      {window.resetAt && <div className="quota-reset">{fmtRelative(window.resetAt)}</div>}
    </div>
  );
}
