'use client';
/**
 * A balance-history line (lightweight-charts) for one asset: the daily snapshots
 * (get_balance_history, newest first, up to 100 days) and today's live total at the end.
 */
import { ColorType, createChart, LineSeries, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';

import { useSession } from '@/lib/session';

export function BalanceChart({ asset, decimals, total }: { asset: string; decimals: number; total: number }) {
  const { api } = useSession();
  const box = useRef<HTMLDivElement>(null);
  const [days, setDays] = useState<{ date: string; balance: number }[]>([]);

  useEffect(() => {
    api.call('get_balance_history', { query: { asset, limit: 100 } }).then((page) => {
      if (page.ok) setDays(page.data.items.map(({ date, balance }) => ({ date, balance })));
    });
  }, [api, asset]);

  useEffect(() => {
    if (!box.current) return;
    const chart = createChart(box.current, {
      height: 220, layout: { background: { type: ColorType.Solid, color: '#fff' }, textColor: '#1d2330' },
      timeScale: { timeVisible: false },
    });
    const line = chart.addSeries(LineSeries, { color: '#0f766e', lineWidth: 2 });
    const scale = 10 ** decimals; // display only: the chart library plots floats
    const points = new Map<number, number>();
    for (const day of days) points.set(Date.parse(`${day.date}T00:00:00Z`) / 1000, day.balance / scale);
    const today = new Date();
    points.set(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) / 1000, total / scale);
    line.setData([...points.entries()].sort(([a], [b]) => a - b)
      .map(([time, value]) => ({ time: time as UTCTimestamp, value })));
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [days, decimals, total]);

  return <div ref={box} data-testid="balance-chart" />;
}
