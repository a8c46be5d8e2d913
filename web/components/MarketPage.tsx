'use client';
/**
 * One market: its outcomes with their implied probabilities (get_market, read again when the
 * market document changes), the commit panel with the estimate (estimate_forecast: implied
 * probability before and after, potential payout) and commit_forecast (one Idempotency-Key per
 * intent), and the user's balance in the market's asset, whose committed part grows live with
 * the hold the commit writes.
 */
import { newIdempotencyKey, type Data } from '@mintbook/client';
import { useEffect, useMemo, useState } from 'react';

import { amountText } from '@/components/AssetAmount';
import { Balances } from '@/components/Balances';
import { useRead } from '@/lib/calls';
import { percentFromPpm, when } from '@/lib/format';
import { useAssets, useBalances } from '@/lib/live';
import { useDoc } from '@/lib/live-lists';
import { parseUnits } from '@/lib/money';
import { useSession } from '@/lib/session';

export function MarketPage({ uid, marketId }: { uid: string; marketId: string }) {
  const { api, db } = useSession();
  const assets = useAssets(db);
  const live = useDoc(db, 'markets', marketId);
  const market = useRead('get_market', { market_id: marketId }, JSON.stringify(live ?? {}));
  const { rows, error } = useBalances(db, uid);
  const m = market.data;
  const decimals = m ? assets.get(m.asset)?.decimals ?? 0 : 0;

  const [outcome, setOutcome] = useState('');
  const [amountText_, setAmountText] = useState('');
  const amount = parseUnits(amountText_, decimals);
  const [estimate, setEstimate] = useState<Data<'estimate_forecast'> | null>(null);
  const [receipt, setReceipt] = useState<Data<'commit_forecast'> | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const intent = `${outcome}|${amount}`;
  const key = useMemo(() => newIdempotencyKey(), [intent]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => { if (m && !outcome) setOutcome(m.outcomes[0]?.id ?? ''); }, [m, outcome]);
  useEffect(() => {
    setEstimate(null);
    if (!amount || !outcome) return;
    let current = true;
    api.call('estimate_forecast', { query: { market_id: marketId, outcome, amount } }).then((r) => {
      if (current && r.ok) setEstimate(r.data);
    });
    return () => { current = false; };
  }, [api, marketId, outcome, amount]);

  const commit = async () => {
    if (!amount) return;
    setBusy(true); setFailure(null); setReceipt(null);
    const done = await api.call('commit_forecast', { idempotencyKey: key,
                                                     body: { market_id: marketId, outcome, amount } });
    setBusy(false);
    if (done.ok) setReceipt(done.data);
    else setFailure(`${done.error.code}: ${done.error.message}`);
  };

  if (market.error && !m) return <p className="error">{market.error}</p>;
  if (!m) return <p className="muted">Loading the market…</p>;
  const label = (id: string) => m.outcomes.find((o) => o.id === id)?.label ?? id;
  return (
    <div className="stack">
      <section className="card">
        <h2 data-testid="market-title">{m.title}</h2>
        <p className="muted">{m.category} · <span data-testid="market-status">{m.status}</span> · closes {when(m.closes_at)}
          {' '}· pool {amountText(assets, m.asset, m.pool)} from {m.forecasters} forecasters
          {m.totals_as_of && <> (as of {when(m.totals_as_of)})</>}</p>
        {m.description && <p>{m.description}</p>}
        <table data-testid="outcomes">
          <thead><tr><th>Outcome</th><th className="num">Implied probability</th><th className="num">Committed</th></tr></thead>
          <tbody>
            {m.outcomes.map((o) => (
              <tr key={o.id}>
                <td>{o.label}</td>
                <td className="num" data-testid={`implied-${o.id}`}>{percentFromPpm(o.implied_ppm)}</td>
                <td className="num">{amountText(assets, m.asset, o.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {m.resolution && <p data-testid="resolution">Resolved: {String((m.resolution as Record<string, unknown>).winner ?? 'void')}</p>}
      </section>
      {m.status === 'open' && (
        <section className="card">
          <h2>Commit</h2>
          <form className="row" onSubmit={(e) => { e.preventDefault(); commit(); }}>
            <select aria-label="outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
              {m.outcomes.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
            </select>
            <input aria-label="commit amount" placeholder={`amount of ${m.asset}`} inputMode="decimal"
                   value={amountText_} onChange={(e) => setAmountText(e.target.value)} required />
            <button type="submit" disabled={busy || !amount}>Commit</button>
          </form>
          {amountText_ && !amount && <p className="error">Not an amount of {m.asset} ({decimals} decimals)</p>}
          {estimate && (
            <p className="muted" data-testid="forecast-estimate">
              {label(estimate.outcome)} at {percentFromPpm(estimate.implied_ppm)} now,{' '}
              {percentFromPpm(estimate.implied_after_ppm)} after your commit; if it wins you get about{' '}
              {amountText(assets, m.asset, estimate.potential_payout)}
            </p>
          )}
          {receipt && (
            <p className="ok" data-testid="forecast-receipt">
              Committed {amountText(assets, m.asset, receipt.amount)} on {label(receipt.outcome)};
              {' '}your forecast is {amountText(assets, m.asset, receipt.forecast_amount)}; potential payout{' '}
              {amountText(assets, m.asset, receipt.potential_payout)}
            </p>
          )}
          {failure && <p className="error" role="alert">{failure}</p>}
        </section>
      )}
      <section className="card">
        <h2>Your {m.asset}</h2>
        <Balances rows={rows?.filter((r) => r.asset === m.asset) ?? null} assets={assets} error={error} />
      </section>
    </div>
  );
}
