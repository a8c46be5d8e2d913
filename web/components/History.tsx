'use client';
/**
 * The user's transfers, newest first, a page at a time (list_transactions and its cursor). The
 * first page is read again whenever `version` changes (the balances listener saw a change), so
 * a transfer that just arrived shows without a reload.
 */
import type { Data } from '@mintbook/client';
import { useEffect, useState } from 'react';

import type { AssetInfo } from '@/lib/live';
import { formatUnits } from '@/lib/money';
import { useSession } from '@/lib/session';

type Entry = Data<'list_transactions'>['items'][number];

export function History({ assets, version }: { assets: Map<string, AssetInfo>; version: string }) {
  const { api } = useSession();
  const [entries, setEntries] = useState<Entry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async (after: string | null) => {
    const page = await api.call('list_transactions', { query: { limit: 10, cursor: after } });
    if (!page.ok) { setError(page.error.code); return; }
    setError(null);
    setEntries((before) => (after ? [...before, ...page.data.items] : page.data.items));
    setCursor(page.data.next_cursor ?? null);
  };

  useEffect(() => { load(null); }, [api, version]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <section className="card">
      <h2>History</h2>
      {error && <p className="error">History unavailable ({error})</p>}
      <table data-testid="history">
        <thead><tr><th>When</th><th>Type</th><th>Memo</th><th className="num">Amount</th></tr></thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              <td className="muted">{e.created_at ? new Date(e.created_at).toLocaleString() : ''}</td>
              <td>{e.type}</td>
              <td>{e.memo || e.reference}</td>
              <td className="num">{formatUnits(e.amount, assets.get(e.asset)?.decimals ?? 0)} {e.asset}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor && <button type="button" className="secondary" onClick={() => load(cursor)}>Older</button>}
    </section>
  );
}
