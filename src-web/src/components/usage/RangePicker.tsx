import { useTranslation } from 'react-i18next';
import type { Range } from '../../api/usage';

export function RangePicker({ value, onChange, ranges }: { value: Range; onChange: (r: Range) => void; ranges: Range[] }) {
  const { t } = useTranslation();
  return (
    <div className="segmented" role="group" aria-label={t('charts.range')}>
      {ranges.map((r) => (
        <button key={r} type="button" className={r === value ? 'active' : ''} onClick={() => onChange(r)}>
          {r}
        </button>
      ))}
    </div>
  );
}
