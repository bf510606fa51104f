import { useTranslation } from 'react-i18next';
import type { ModelRank } from '../../api/usage';
import { fmtCompact } from '../../lib/format';

export function ModelRanking({ models }: { models: ModelRank[] }) {
  const { t } = useTranslation();
  return (
    <div className="card" data-testid="model-ranking">
      <h3>{t('charts.models')}</h3>
      {models.length === 0 ? (
        <div className="muted">{t('charts.noData')}</div>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th>{t('usage.col.model')}</th>
              <th>{t('charts.requestsSeries')}</th>
              <th>{t('charts.errorsSeries')}</th>
              <th>{t('charts.tokens')}</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.model}>
                <td>{m.model}</td>
                <td>{m.requests}</td>
                <td>{m.errors}</td>
                <td>{fmtCompact(m.total_tokens)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
