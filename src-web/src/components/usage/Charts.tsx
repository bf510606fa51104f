import { useTranslation } from 'react-i18next';
import { mergeSeries, type ChartData, type SeriesPoint } from '../../api/usage';
import { fmtCompact, fmtTime } from '../../lib/format';

// The three usage charts, drawn as plain SVG. A charting library (recharts) cost the desktop
// window's web process about 40 MB for these three small charts (docs/BENCHMARKS.md, "Desktop
// app memory"); they need axes, gridlines, a legend and a hover title per bucket, nothing more.

/** The drawing's own units; the SVG scales to the card's width. */
const W = 300;
const H = 190;
const M = { top: 8, right: 8, bottom: 22, left: 40 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

type Key = 'requests' | 'errors' | 'avgMs' | 'firstTokenMs' | 'input' | 'cached' | 'output' | 'reasoning';

interface Series {
  key: Key;
  name: string;
  color: string;
}

// Built once (see lib/format.ts for why).
const dayTick = new Intl.DateTimeFormat([], { month: 'short', day: 'numeric' });
const timeTick = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit' });

function tick(range: string) {
  const format = range === '7d' || range === '30d' ? dayTick : timeTick;
  return (t: number) => format.format(t);
}

/** A round top for the y axis with four equal steps: 1, 2 or 5 times a power of ten each. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 4;
  const step = max / 4;
  const pow = 10 ** Math.floor(Math.log10(step));
  const n = step / pow;
  const nice = n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10;
  return nice * pow * 4;
}

/** Up to four indexes spread over `count` points, always including the first and the last. */
export function tickIndexes(count: number): number[] {
  if (count <= 0) return [];
  if (count <= 4) return [...Array(count).keys()];
  return [0, 1, 2, 3].map((i) => Math.round((i * (count - 1)) / 3));
}

const value = (p: SeriesPoint, key: Key): number | null => p[key];

/** Where bucket `i` of `count` sits: spread edge to edge for lines, centred in a slot for bars. */
function xOf(count: number, bars: boolean) {
  if (bars) return (i: number) => M.left + ((i + 0.5) * PLOT_W) / Math.max(count, 1);
  return (i: number) => M.left + (count > 1 ? (i * PLOT_W) / (count - 1) : PLOT_W / 2);
}

const yOf = (yMax: number) => (v: number) => M.top + PLOT_H - (v / yMax) * PLOT_H;

function Frame({ points, bars = false, yMax, fmtY, fmtX, label, series, children }: {
  points: SeriesPoint[];
  bars?: boolean;
  yMax: number;
  fmtY: (v: number) => string;
  fmtX: (t: number) => string;
  label: string;
  series: Series[];
  children: React.ReactNode;
}) {
  const x = xOf(points.length, bars);
  const y = yOf(yMax);
  const column = bars || points.length < 2 ? PLOT_W / Math.max(points.length, 1) : PLOT_W / (points.length - 1);
  return (
    <svg className="chart-svg" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      {[0, 1, 2, 3, 4].map((i) => {
        const v = (yMax * i) / 4;
        return (
          <g key={i}>
            <line className="chart-grid" x1={M.left} x2={W - M.right} y1={y(v)} y2={y(v)} />
            <text x={M.left - 4} y={y(v)} textAnchor="end" dominantBaseline="middle">
              {fmtY(v)}
            </text>
          </g>
        );
      })}
      {tickIndexes(points.length).map((i) => (
        <text key={i} x={x(i)} y={H - 6} textAnchor={i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle'}>
          {fmtX(points[i].time)}
        </text>
      ))}
      {children}
      {/* One invisible column per bucket carries the hover title with every series' value. */}
      {points.map((p, i) => (
        <rect key={p.time} className="chart-hit" x={x(i) - column / 2} y={M.top} width={column} height={PLOT_H}>
          <title>
            {[fmtTime(p.time), ...series.map((s) => `${s.name}: ${value(p, s.key) ?? '—'}`)].join('\n')}
          </title>
        </rect>
      ))}
    </svg>
  );
}

function ChartCard({ title, testId, series, children }: { title: string; testId: string; series: Series[]; children: React.ReactNode }) {
  return (
    <div className="card chart" data-testid={testId}>
      <h3>{title}</h3>
      {children}
      <ul className="chart-legend">
        {series.map((s) => (
          <li key={s.key} style={{ color: s.color }}>
            <span className="chart-swatch" style={{ background: s.color }} />
            {s.name}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Lines through the buckets that have a value (gaps are bridged), optionally filled below. */
function Lines({ points, series, yMax, fill }: { points: SeriesPoint[]; series: Series[]; yMax: number; fill: boolean }) {
  const x = xOf(points.length, false);
  const y = yOf(yMax);
  return (
    <>
      {series.map((s) => {
        const at = points.flatMap((p, i) => {
          const v = value(p, s.key);
          return v === null ? [] : [[x(i), y(v)] as const];
        });
        if (at.length === 0) return null;
        // A lone value has no line to draw: mark it with a dot.
        if (at.length === 1) return <circle key={s.key} cx={at[0][0]} cy={at[0][1]} r={2.5} fill={s.color} />;
        const line = at.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
        const base = (M.top + PLOT_H).toFixed(1);
        return (
          <g key={s.key}>
            {fill && <polygon points={`${at[0][0].toFixed(1)},${base} ${line} ${at[at.length - 1][0].toFixed(1)},${base}`} fill={`${s.color}33`} />}
            <polyline points={line} fill="none" stroke={s.color} strokeWidth={1.5} />
          </g>
        );
      })}
    </>
  );
}

/** One stacked bar per bucket, series in the given order from the bottom. */
function StackedBars({ points, series, yMax }: { points: SeriesPoint[]; series: Series[]; yMax: number }) {
  const x = xOf(points.length, true);
  const width = Math.max((PLOT_W / Math.max(points.length, 1)) * 0.7, 1);
  const h = (v: number) => (v / yMax) * PLOT_H;
  return (
    <>
      {points.map((p, i) => {
        let top = M.top + PLOT_H;
        return (
          <g key={p.time}>
            {series.map((s) => {
              const v = value(p, s.key) ?? 0;
              if (v <= 0) return null;
              top -= h(v);
              return <rect key={s.key} x={x(i) - width / 2} y={top} width={width} height={h(v)} fill={s.color} />;
            })}
          </g>
        );
      })}
    </>
  );
}

export function UsageCharts({ data }: { data: ChartData }) {
  const { t } = useTranslation();
  const points = mergeSeries(data);
  const fmtX = tick(data.range);
  const max = (keys: Key[], stacked = false) =>
    Math.max(0, ...points.map((p) => (stacked ? keys.reduce((sum, k) => sum + (value(p, k) ?? 0), 0) : Math.max(0, ...keys.map((k) => value(p, k) ?? 0)))));
  const requests: Series[] = [
    { key: 'requests', name: t('charts.requestsSeries'), color: '#3b82f6' },
    { key: 'errors', name: t('charts.errorsSeries'), color: '#ef4444' },
  ];
  const latency: Series[] = [
    { key: 'avgMs', name: t('charts.avgLatency'), color: '#8b5cf6' },
    { key: 'firstTokenMs', name: t('charts.firstToken'), color: '#10b981' },
  ];
  const tokens: Series[] = [
    { key: 'input', name: t('charts.input'), color: '#3b82f6' },
    { key: 'cached', name: t('charts.cached'), color: '#93c5fd' },
    { key: 'output', name: t('charts.output'), color: '#f59e0b' },
    { key: 'reasoning', name: t('charts.reasoning'), color: '#a855f7' },
  ];
  // Counts get whole-number steps: the axis reaches at least 4.
  const reqMax = niceMax(Math.max(4, max(['requests', 'errors'])));
  const latMax = niceMax(max(['avgMs', 'firstTokenMs']));
  const tokMax = niceMax(Math.max(4, max(['input', 'cached', 'output', 'reasoning'], true)));
  return (
    <div className="grid-3 charts">
      <ChartCard title={t('charts.requests')} testId="chart-requests" series={requests}>
        <Frame points={points} yMax={reqMax} fmtY={(v) => String(v)} fmtX={fmtX} label={t('charts.requests')} series={requests}>
          <Lines points={points} series={requests} yMax={reqMax} fill />
        </Frame>
      </ChartCard>
      <ChartCard title={t('charts.latency')} testId="chart-latency" series={latency}>
        <Frame points={points} yMax={latMax} fmtY={(v) => `${fmtCompact(v)} ms`} fmtX={fmtX} label={t('charts.latency')} series={latency}>
          <Lines points={points} series={latency} yMax={latMax} fill={false} />
        </Frame>
      </ChartCard>
      <ChartCard title={t('charts.tokens')} testId="chart-tokens" series={tokens}>
        <Frame points={points} bars yMax={tokMax} fmtY={(v) => fmtCompact(v)} fmtX={fmtX} label={t('charts.tokens')} series={tokens}>
          <StackedBars points={points} series={tokens} yMax={tokMax} />
        </Frame>
      </ChartCard>
    </div>
  );
}
