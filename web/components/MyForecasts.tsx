'use client';
/**
 * The user's forecasts (list_my_forecasts: amount, result, payout) and notifications, both read
 * again whenever the notifications or forecasts listeners change, so a settlement shows without
 * a reload. Notifications are marked read here (mark_notifications_read: one, or all in batches
 * while the function says there are more); the listener then shows them read.
 */
import Link from 'next/link';
import { newIdempotencyKey } from '@mintbook/client';
import { useState } from 'react';

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
  const { api } = useSession();
  const [failure, setFailure] = useState<string | null>(null);
  const markRead = async (ids: string[] | null) => {
    setFailure(null);
    for (let more = true; more;) {
      const done = await api.call('mark_notifications_read', {
        idempotencyKey: newIdempotencyKey(), body: ids ? { ids, all: false } : { ids: null, all: true } });
      if (!done.ok) { setFailure(`${done.error.code}: ${done.error.message}`); return; }
      more = !ids && done.data.more;
    }
  };
  const unread = rows?.filter((r) => !r.data.read).length ?? 0;
  return (
    <section className="card">
      <h2>Notifications</h2>
      {unread > 0 && (
        <p><span data-testid="unread-count">{unread} unread</span>{' '}
          <button type="button" className="secondary" onClick={() => markRead(null)}>Mark all read</button></p>
      )}
      {failure && <p className="error" role="alert">{failure}</p>}
      {!rows ? <p className="muted">Loading…</p> : rows.length === 0 ? <p className="muted">Nothing yet.</p> : (
        <ul data-testid="notifications">
          {rows.map(({ id, data }) => (
            <li key={id} className={data.read ? 'muted' : ''} data-read={data.read ? 'yes' : 'no'}>
              {data.kind === 'market_resolved' ? (
                <>“{data.market_title}” resolved: you {data.result}
                  {Number(data.payout) > 0 && <>, paid {amountText(assets, assetOf(String(data.market_id)), Number(data.payout))}</>}</>
              ) : data.kind === 'forecast_refunded' ? <>“{data.market_title}” was void: refunded</>
                : <>{String(data.kind).replace('_', ' ')} {data.market_title ? `“${data.market_title}”` : ''}</>}
              {' '}<span className="muted">{when(data.created_at)}</span>
              {!data.read && <>{' '}<button type="button" className="secondary" onClick={() => markRead([id])}>Mark read</button></>}
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
