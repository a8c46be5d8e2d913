'use client';
/** The wallet: live balances, the balance chart, sending, and the history. */
import { useState } from 'react';

import { BalanceChart } from '@/components/BalanceChart';
import { Balances } from '@/components/Balances';
import { History } from '@/components/History';
import { SendForm } from '@/components/SendForm';
import { useAssets, useBalances } from '@/lib/live';
import { useSession } from '@/lib/session';

export function Wallet({ uid }: { uid: string }) {
  const { db } = useSession();
  const assets = useAssets(db);
  const { rows, error } = useBalances(db, uid);
  const [chartAsset, setChartAsset] = useState<string | null>(null);
  const shown = rows?.find((r) => r.asset === chartAsset) ?? rows?.[0];
  const version = rows ? rows.map((r) => `${r.asset}:${r.total}:${r.committed}:${r.owed}`).join(',') : '';

  return (
    <div className="stack">
      <section className="card">
        <h2>Balances</h2>
        <Balances rows={rows} assets={assets} error={error} />
      </section>
      {shown && (
        <section className="card">
          <div className="row">
            <h2>Balance history</h2>
            <select aria-label="chart asset" value={shown.asset} onChange={(e) => setChartAsset(e.target.value)}>
              {rows!.map((r) => <option key={r.asset}>{r.asset}</option>)}
            </select>
          </div>
          <BalanceChart asset={shown.asset} decimals={assets.get(shown.asset)?.decimals ?? 0} total={shown.total} />
        </section>
      )}
      {rows && rows.length > 0 && <SendForm rows={rows} assets={assets} />}
      {rows && <History assets={assets} version={version} />}
    </div>
  );
}
