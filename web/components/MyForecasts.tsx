'use client';
/**
 * The user's forecasts (list_my_forecasts: amount, result, payout) and notifications, both read
 * again whenever the notifications or forecasts listeners change, so a settlement shows without
 * a reload.
 */
import Link from 'next/link';

import { amountText } from '@/components/AssetAmount';
import { useRead } from '@/lib/calls';
import { percentFromPpm, when } from '@/lib/format';
import type { AssetInfo } from '@/lib/live';
import { useMyForecasts, useNotifications } from '@/lib/live-lists';
import { useSession } from '@/lib/session';

/** Which asset a market is in (notifications and forecasts name only the market). */
function useMarketAsset(): (marketId: string) => string {
  const markets = useRead('list_markets', { limit: 50 });
  return (id) => markets.data?.items.find((m) => m.id === id)?.asset ?? 'CHIP';
}

function stamp(rows: { id: string; data: Record<string, unknown> }[] | null): string {
  return rows ? rows.map((r) => `${r.id}:${JSON.stringify(r.data.amount ?? r.data.read ?? '')}`).join(',') : '';
}

export function Notifications({ uid, assets }: { uid: string; assets: Map<string, AssetInfo> }) {
  const { db } = useSession();
  const rows = useNotifications(db, uid);
  const assetOf = useMarketAsset();
  return (
    <section className="card">
      <h2>Notifications</h2>
      {!rows ? <p className="muted">Loading…</p> : rows.length === 0 ? <p className="muted">Nothing yet.</p> : (
        <ul data-testid="notifications">
          {rows.map(({ id, data }) => (
            <li key={id} className={data.read ? 'muted' : ''}>
              {data.kind === 'market_resolved' ? (
                <>“{data.market_title}” resolved: you {data.result}
                  {Number(data.payout) > 0 && <>, paid {amountText(assets, assetOf(String(data.market_id)), Number(data.payout))}</>}</>
              ) : data.kind === 'forecast_refunded' ? <>“{data.market_title}” was void: refunded</>
                : <>{String(data.kind).replace('_', ' ')} {data.market_title ? `“${data.market_title}”` : ''}</>}
              {' '}<span className="muted">{when(data.created_at)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function MyForecasts({ uid, assets }: { uid: string; assets: Map<string, AssetInfo> }) {
  const { db } = useSession();
  const forecasts = useMyForecasts(db, uid);
  const notifications = useNotifications(db, uid);
  const mine = useRead('list_my_forecasts', { limit: 20 }, stamp(forecasts) + stamp(notifications));
  const assetOf = useMarketAsset();
  return (
    <section className="card">
      <h2>My forecasts</h2>
      {mine.error && <p className="error">{mine.error}</p>}
      {!mine.data ? <p className="muted">Loading…</p> : mine.data.items.length === 0 ? <p className="muted">No forecast yet.</p> : (
        <table data-testid="my-forecasts">
          <thead><tr><th>Market</th><th>Outcome</th><th className="num">Committed</th><th className="num">At</th><th>Result</th><th className="num">Payout</th></tr></thead>
          <tbody>
            {mine.data.items.map((f) => (
              <tr key={f.market_id} data-market={f.market_id}>
                <td><Link href={`/markets/${f.market_id}`}>{f.market_title ?? f.market_id}</Link></td>
                <td>{f.outcome}</td>
                <td className="num">{amountText(assets, assetOf(f.market_id), f.amount)}</td>
                <td className="num">{percentFromPpm(f.p_ppm)}</td>
                <td>{f.result}</td>
                <td className="num" data-testid={`payout-${f.market_id}`}>
                  {f.payout != null ? amountText(assets, assetOf(f.market_id), f.payout) : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
