import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ChartData } from '../../api/usage';
import { UsageCharts, niceMax, tickIndexes } from './Charts';

const hour = 3_600_000;
const t0 = Date.UTC(2026, 10, 25, 0, 0, 0);

function data(): ChartData {
  const times = [0, 1, 2].map((i) => t0 + i * hour);
  return {
    range: '24h',
    source: 'logs',
    bucket_seconds: 3600,
    start: times[0],
    end: times[2] + hour,
    request_trend: times.map((time, i) => ({ time, requests: [3, 7, 5][i], errors: [0, 1, 0][i] })),
    // The middle bucket has no latency: the line bridges it.
    latency_trend: times.map((time, i) => ({ time, avg_duration_ms: i === 1 ? null : 900 + i, avg_first_token_ms: i === 1 ? null : 300 })),
    token_trend: times.map((time) => ({ time, input_tokens: 1200, cached_tokens: 0, output_tokens: 300, reasoning_tokens: 50, total_tokens: 1550 })),
    token_breakdown: { input_tokens: 3600, cached_tokens: 0, output_tokens: 900, reasoning_tokens: 150, total_tokens: 4650 },
    model_ranking: [],
  };
}

describe('usage charts', () => {
  it('picks round axis tops and spreads at most four time labels', () => {
    expect(niceMax(0)).toBe(4);
    expect(niceMax(3)).toBe(4);
    expect(niceMax(7)).toBe(8);
    expect(niceMax(1550)).toBe(2000);
    expect(niceMax(0.3)).toBeCloseTo(0.4);
    expect(tickIndexes(0)).toEqual([]);
    expect(tickIndexes(3)).toEqual([0, 1, 2]);
    expect(tickIndexes(24)).toEqual([0, 8, 15, 23]);
  });

  it('draws the three charts with their legends, bridged lines and stacked bars', () => {
    render(<UsageCharts data={data()} />);
    for (const id of ['chart-requests', 'chart-latency', 'chart-tokens']) {
      expect(screen.getByTestId(id).querySelector('svg.chart-svg')).not.toBeNull();
    }
    const requests = screen.getByTestId('chart-requests');
    expect(requests).toHaveTextContent('Requests');
    expect(requests.querySelectorAll('polyline')).toHaveLength(2);
    // Gaps are bridged: each latency line joins the two buckets that have a value.
    const latency = screen.getByTestId('chart-latency').querySelectorAll('polyline');
    expect(latency).toHaveLength(2);
    expect(latency[0].getAttribute('points')?.split(' ')).toHaveLength(2);
    // Three buckets of three non-zero token kinds (cached is zero and not drawn).
    const tokens = screen.getByTestId('chart-tokens');
    expect(tokens.querySelectorAll('g > rect')).toHaveLength(9);
    // Hovering a bucket shows every series' value.
    const titles = [...requests.querySelectorAll('title')].map((t) => t.textContent);
    expect(titles).toHaveLength(3);
    expect(titles[1]).toMatch(/Requests: 7\nErrors: 1$/);
  });

  it('marks a series with a single value with a dot', () => {
    render(<UsageCharts data={{ ...data(), latency_trend: [{ time: t0, avg_duration_ms: 5, avg_first_token_ms: null }] }} />);
    const latency = screen.getByTestId('chart-latency');
    expect(latency.querySelectorAll('circle')).toHaveLength(1);
    expect(latency.querySelectorAll('polyline')).toHaveLength(0);
  });
});
