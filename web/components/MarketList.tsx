'use client';
/** Prediction markets (list_markets) with its filters: category, status and order. */
import Link from 'next/link';
import { useState } from 'react';

import { amountText } from '@/components/AssetAmount';
import { useRead } from '@/lib/calls';
import { percentFromPpm, when } from '@/lib/format';
import type { AssetInfo } from '@/lib/live';

const CATEGORIES = ['election', 'crypto', 'entertainment', 'sports', 'politics', 'other'] as const;
const STATUSES = ['open', 'suspended', 'closed', 'resolved', 'cancelled'] as const;
const SORTS = ['newest', 'closing_soon', 'most_committed'] as const;

export function MarketList({ assets }: { assets: Map<string, AssetInfo> }) {
  const [category, setCategory] = useState<(typeof CATEGORIES)[number] | ''>('');
  const [status, setStatus] = useState<(typeof STATUSES)[number] | ''>('open');
  const [sort, setSort] = useState<(typeof SORTS)[number]>('newest');
  const markets = useRead('list_markets', {
    limit: 20, sort, ...(category ? { category } : {}), ...(status ? { status } : {}),
  });
  return (
    <section className="card">
      <div className="row">
        <h2>Markets</h2>
        <p><Link href="/leaderboard">Leaderboards and reputation</Link></p>
        <span className="spacer" />
        <select aria-label="category" value={category} onChange={(e) => setCategory(e.target.value as typeof category)}>
          <option value="">every category</option>
          {CATEGORIES.map((c) => <option key={c}>{c}</option>)}
        </select>
        <select aria-label="status" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
          <option value="">any status</option>
          {STATUSES.map((s) => <option key={s}>{s}</option>)}
        </select>
        <select aria-label="order" value={sort} onChange={(e) => setSort(e.target.value as typeof sort)}>
          {SORTS.map((s) => <option key={s} value={s}>{s.replace('_', ' ')}</option>)}
        </select>
      </div>
      {markets.error && <p className="error">{markets.error}</p>}
      {!markets.data ? <p className="muted">Loading markets…</p> : (
        <table data-testid="markets">
          <thead><tr><th>Market</th><th>Category</th><th>Outcomes</th><th className="num">Pool</th><th>Closes</th></tr></thead>
          <tbody>
            {markets.data.items.map((m) => (
              <tr key={m.id}>
                <td><Link href={`/markets/${m.id}`}>{m.title}</Link> <span className="muted">{m.status}</span></td>
                <td>{m.category}</td>
                <td>{m.outcomes.map((o) => `${o.label} ${percentFromPpm(o.implied_ppm)}`).join(' · ')}</td>
                <td className="num">{amountText(assets, m.asset, m.pool)}</td>
                <td>{when(m.closes_at)}</td>
              </tr>
            ))}
            {markets.data.items.length === 0 && <tr><td colSpan={5} className="muted">No market matches.</td></tr>}
          </tbody>
        </table>
      )}
    </section>
  );
}
