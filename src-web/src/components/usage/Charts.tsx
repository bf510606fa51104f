import { useTranslation } from 'react-i18next';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { mergeSeries, type ChartData, type ModelRank, type Range } from '../../api/usage';
import { fmtCompact } from '../../lib/format';

function tick(range: string) {
  return (t: number) => {
    const d = new Date(t);
    return range === '7d' || range === '30d'
      ? d.toLocaleDateString([], { month: 'short', day: 'numeric' })
      : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  };
}

function ChartCard({ title, children, testId }: { title: string; children: React.ReactElement; testId: string }) {
  return (
    <div className="card chart" data-testid={testId}>
      <h3>{title}</h3>
      <ResponsiveContainer width="100%" height={220}>
        {children}
      </ResponsiveContainer>
    </div>
  );
}

export function UsageCharts({ data }: { data: ChartData }) {
  const { t } = useTranslation();
  const series = mergeSeries(data);
  const fmt = tick(data.range);
  const axis = <XAxis dataKey="time" tickFormatter={fmt} minTickGap={24} fontSize={11} />;
  const label = (v: unknown) => new Date(Number(v)).toLocaleString();
  return (
    <div className="grid-3 charts">
      <ChartCard title={t('charts.requests')} testId="chart-requests">
        <AreaChart data={series}>
          <CartesianGrid strokeDasharray="3 3" />
          {axis}
          <YAxis fontSize={11} allowDecimals={false} />
          <Tooltip labelFormatter={label} />
          <Legend />
          <Area type="monotone" dataKey="requests" name={t('charts.requestsSeries')} stroke="#3b82f6" fill="#3b82f633" />
          <Area type="monotone" dataKey="errors" name={t('charts.errorsSeries')} stroke="#ef4444" fill="#ef444433" />
        </AreaChart>
      </ChartCard>
      <ChartCard title={t('charts.latency')} testId="chart-latency">
        <LineChart data={series}>
          <CartesianGrid strokeDasharray="3 3" />
          {axis}
          <YAxis fontSize={11} unit=" ms" />
          <Tooltip labelFormatter={label} />
          <Legend />
          <Line type="monotone" dataKey="avgMs" name={t('charts.avgLatency')} stroke="#8b5cf6" dot={false} connectNulls />
          <Line type="monotone" dataKey="firstTokenMs" name={t('charts.firstToken')} stroke="#10b981" dot={false} connectNulls />
        </LineChart>
      </ChartCard>
      <ChartCard title={t('charts.tokens')} testId="chart-tokens">
        <BarChart data={series}>
          <CartesianGrid strokeDasharray="3 3" />
          {axis}
          <YAxis fontSize={11} tickFormatter={(v: number) => fmtCompact(v)} />
          <Tooltip labelFormatter={label} />
          <Legend />
          <Bar dataKey="input" stackId="t" name={t('charts.input')} fill="#3b82f6" />
          <Bar dataKey="cached" stackId="t" name={t('charts.cached')} fill="#93c5fd" />
          <Bar dataKey="output" stackId="t" name={t('charts.output')} fill="#f59e0b" />
          <Bar dataKey="reasoning" stackId="t" name={t('charts.reasoning')} fill="#a855f7" />
        </BarChart>
      </ChartCard>
    </div>
  );
}

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
