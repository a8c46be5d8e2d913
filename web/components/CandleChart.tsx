'use client';
/**
 * A book's candles (get_candles, oldest first) as a candlestick chart (lightweight-charts),
 * read again when a trade arrives through the trades listener (`version`). Prices are integers
 * in the quote asset's smallest unit; the chart plots them scaled by the quote's decimals.
 */
import { CandlestickSeries, ColorType, createChart, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';

import { useRead } from '@/lib/calls';

export function CandleChart({ book, quoteDecimals, version }: { book: string; quoteDecimals: number; version: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [interval, setInterval_] = useState<'1m' | '1h' | '1d'>('1m');
  const candles = useRead('get_candles', { book, interval, limit: 200 }, version);

  useEffect(() => {
    if (!box.current || !candles.data) return;
    const chart = createChart(box.current, {
      height: 260, layout: { background: { type: ColorType.Solid, color: '#fff' }, textColor: '#1d2330' },
      timeScale: { timeVisible: true },
    });
    const series = chart.addSeries(CandlestickSeries, {
      upColor: '#0f766e', downColor: '#b91c1c', wickUpColor: '#0f766e', wickDownColor: '#b91c1c', borderVisible: false,
      priceFormat: { type: 'price', precision: quoteDecimals, minMove: 1 / 10 ** quoteDecimals },
    });
    const scale = 10 ** quoteDecimals; // display only: the chart library plots floats
    series.setData(candles.data.items.map((c) => ({
      time: c.start as UTCTimestamp, open: c.open / scale, high: c.high / scale, low: c.low / scale, close: c.close / scale,
    })));
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [candles.data, quoteDecimals]);

  return (
    <div className="stack">
      <div className="row">
        <span className="muted">{candles.data ? `${candles.data.items.length} candle${candles.data.items.length === 1 ? '' : 's'}` : 'Loading candles…'}</span>
        <span className="spacer" />
        <select aria-label="candle interval" value={interval} onChange={(e) => setInterval_(e.target.value as typeof interval)}>
          <option>1m</option><option>1h</option><option>1d</option>
        </select>
      </div>
      <div ref={box} data-testid="candle-chart" />
    </div>
  );
}
