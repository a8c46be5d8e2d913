'use client';
/**
 * Portfolio value and history: the holdings valued in US dollars and in the platform asset
 * (get_portfolio, read again when a balance changes through the accounts listener), the
 * exchange positions with their profit and loss, and the daily value as a line chart
 * (get_portfolio_history, lightweight-charts). USD values are integers of 1e-8 USD (the
 * response's `units`); they are shown in cents, truncated.
 */
import { ColorType, createChart, LineSeries, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';

import { amountText } from '@/components/AssetAmount';
import { useRead } from '@/lib/calls';
import { useAssets, useBalances } from '@/lib/live';
import { formatUnits } from '@/lib/money';
import { useSession } from '@/lib/session';

const USD_PER_CENT = 1_000_000; // 1e-8 USD units in one cent

export function usdText(value: number): string {
  return `$${formatUnits(Math.floor(value / USD_PER_CENT), 2)}`;
}

function ValueChart({ points, today }: { points: { date: string; value_usd: number }[]; today: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const chart = createChart(box.current, {
      height: 240, layout: { background: { type: ColorType.Solid, color: '#fff' }, textColor: '#1d2330' },
    });
    const line = chart.addSeries(LineSeries, { color: '#0f766e', lineWidth: 2,
                                                priceFormat: { type: 'price', precision: 2, minMove: 0.01 } });
    const byDay = new Map<number, number>();
    for (const p of points) byDay.set(Date.parse(`${p.date}T00:00:00Z`) / 1000, Math.floor(p.value_usd / USD_PER_CENT) / 100);
    const now = new Date();
    byDay.set(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) / 1000,
              Math.floor(today / USD_PER_CENT) / 100); // display only: the library plots floats
    line.setData([...byDay.entries()].sort(([a], [b]) => a - b).map(([time, value]) => ({ time: time as UTCTimestamp, value })));
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [points, today]);
  return <div ref={box} data-testid="portfolio-chart" />;
}

export function Portfolio({ uid }: { uid: string }) {
  const { db } = useSession();
  const assets = useAssets(db);
  const { rows } = useBalances(db, uid);
  const version = rows ? rows.map((r) => `${r.asset}:${r.total}`).join(',') : '';
  const portfolio = useRead('get_portfolio', undefined, version);
  const [days, setDays] = useState(30);
  const history = useRead('get_portfolio_history', { days }, days);
  const p = portfolio.data;
  return (
    <div className="stack">
      <section className="card">
        <h2>Portfolio</h2>
        {portfolio.error && <p className="error">{portfolio.error}</p>}
        {!p ? <p className="muted">Loading…</p> : (
          <>
            <p>Total <strong data-testid="portfolio-total-usd">{usdText(p.total_usd)}</strong>{' '}
              <span className="muted" data-testid="portfolio-total-platform">({amountText(assets, p.platform_asset, p.total_platform)})</span>
              {p.unpriced.length > 0 && <span className="muted"> · unpriced: {p.unpriced.join(', ')}</span>}</p>
            <table data-testid="holdings">
              <thead><tr><th>Asset</th><th className="num">Holding</th><th className="num">Value (USD)</th><th className="num">Value ({p.platform_asset})</th></tr></thead>
              <tbody>
                {p.holdings.map((h) => (
                  <tr key={h.asset}>
                    <td>{h.asset}</td>
                    <td className="num">{amountText(assets, h.asset, h.total)}</td>
                    <td className="num">{h.value_usd != null ? usdText(h.value_usd) : '–'}</td>
                    <td className="num">{h.value_platform != null ? amountText(assets, p.platform_asset, h.value_platform) : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {p.positions.length > 0 && (
              <table data-testid="positions">
                <thead><tr><th>Book</th><th className="num">Quantity</th><th className="num">Cost</th><th className="num">Market value</th><th className="num">Unrealised</th><th className="num">Realised</th></tr></thead>
                <tbody>
                  {p.positions.map((x) => (
                    <tr key={x.book}>
                      <td>{x.book}</td>
                      <td className="num">{amountText(assets, x.asset, x.quantity)}</td>
                      <td className="num">{amountText(assets, x.quote, x.cost)}</td>
                      <td className="num">{amountText(assets, x.quote, x.market_value)}</td>
                      <td className="num">{amountText(assets, x.quote, x.unrealised_pnl)}</td>
                      <td className="num">{amountText(assets, x.quote, x.realised_pnl)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </section>
      <section className="card">
        <div className="row">
          <h2>Value history</h2>
          <span className="spacer" />
          <select aria-label="history days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[7, 30, 90].map((d) => <option key={d} value={d}>{d} days</option>)}
          </select>
        </div>
        {history.error && <p className="error">{history.error}</p>}
        {p && history.data && <ValueChart points={history.data.points} today={p.total_usd} />}
        {history.data && <p className="muted" data-testid="history-points">{history.data.points.length} daily values and today&apos;s</p>}
      </section>
    </div>
  );
}
