'use client';
/**
 * The admin area, shown to admins only (get_me's role; the functions refuse anyone else
 * anyway): the token economy (admin_ledger_stats: supply, cap and fees per asset (the first
 * page of assets), accounts,
 * transfers per day, as of the job that counted them) and the markets needing resolution
 * (admin_markets_needing_resolution), each resolved here with its evidence (resolve_market:
 * the winning outcome or void, at least one evidence URL, a note). Settlement then pays the
 * winners in the background; they see it in their notifications. Below, read-only: the latest
 * purchases (admin_list_purchases), Stripe deliveries that failed (admin_list_stripe_failures)
 * and the open account flags (admin_list_flags).
 */
import { newIdempotencyKey, type Data } from '@mintbook/client';
import { useMemo, useState } from 'react';

import { amountText } from '@/components/AssetAmount';
import { useIsAdmin, useRead } from '@/lib/calls';
import { when } from '@/lib/format';
import { formatPrice } from '@/lib/money';
import { useAssets, type AssetInfo } from '@/lib/live';
import { useSession } from '@/lib/session';

type Market = Data<'admin_markets_needing_resolution'>['items'][number];

function Stats({ assets }: { assets: Map<string, AssetInfo> }) {
  const stats = useRead('admin_ledger_stats', undefined);
  if (stats.error) return <p className="error">{stats.error}</p>;
  if (!stats.data) return <p className="muted">Loading…</p>;
  const s = stats.data;
  const recent = s.transfers_per_day.slice(-7);
  return (
    <section className="card">
      <h2>Token economy</h2>
      <p className="muted">{s.accounts ?? '—'} accounts · transfers over the last days: {recent.map((d) => `${d.date} ${d.transfers}`).join(', ') || 'none counted yet'}{s.counts_as_of ? ` (counted ${when(s.counts_as_of)})` : ''}</p>
      <table data-testid="supply">
        <thead><tr><th>Asset</th><th className="num">Supply</th><th className="num">Cap</th><th className="num">Fees collected</th><th>As of</th></tr></thead>
        <tbody>
          {s.supply.map((row) => (
            <tr key={row.asset}>
              <td>{row.asset}</td>
              <td className="num">{amountText(assets, row.asset, row.supply)}</td>
              <td className="num">{row.cap != null ? amountText(assets, row.asset, row.cap) : '–'}</td>
              <td className="num">{amountText(assets, row.asset, row.fees_collected)}</td>
              <td>{when(row.as_of)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Resolve({ market, assets, onDone }: { market: Market; assets: Map<string, AssetInfo>; onDone: (text: string) => void }) {
  const { api } = useSession();
  const [outcome, setOutcome] = useState(market.outcomes[0]?.id ?? '');
  const [evidence, setEvidence] = useState('');
  const [note, setNote] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const key = useMemo(() => newIdempotencyKey(), [outcome, evidence, note]); // eslint-disable-line react-hooks/exhaustive-deps
  const resolve = async () => {
    setBusy(true); setFailure(null);
    const done = await api.call('resolve_market', { idempotencyKey: key, body: {
      market_id: market.id, outcome: outcome === '' ? null : outcome,
      evidence_urls: evidence.split(/\s+/).filter(Boolean), note } });
    setBusy(false);
    if (done.ok) onDone(`Resolved “${done.data.title}”: ${outcome === '' ? 'void, everyone refunded' : outcome}`);
    else setFailure(`${done.error.code}: ${done.error.message}`);
  };
  return (
    <tr data-market={market.id}>
      <td>{market.title}<br /><span className="muted">closed {when(market.closes_at)} · pool {amountText(assets, market.asset, market.pool)}
        {' '}· {market.outcomes.map((o) => `${o.label} ${amountText(assets, market.asset, o.total)}`).join(', ')}</span></td>
      <td>
        <form className="stack" onSubmit={(e) => { e.preventDefault(); resolve(); }}>
          <select aria-label={`winner of ${market.slug}`} value={outcome} onChange={(e) => setOutcome(e.target.value)}>
            {market.outcomes.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
            <option value="">void: refund everyone</option>
          </select>
          <input aria-label={`evidence for ${market.slug}`} placeholder="evidence URL(s)" type="text" value={evidence}
                 onChange={(e) => setEvidence(e.target.value)} required />
          <input aria-label={`note for ${market.slug}`} placeholder="note" value={note} minLength={3}
                 onChange={(e) => setNote(e.target.value)} required />
          <button type="submit" disabled={busy}>Resolve</button>
          {failure && <p className="error" role="alert">{failure}</p>}
        </form>
      </td>
    </tr>
  );
}

function NeedingResolution({ assets }: { assets: Map<string, AssetInfo> }) {
  const [version, setVersion] = useState(0);
  const [resolved, setResolved] = useState<string | null>(null);
  const markets = useRead('admin_markets_needing_resolution', { limit: 20 }, version);
  return (
    <section className="card">
      <h2>Markets needing resolution</h2>
      {resolved && <p className="ok" data-testid="resolved">{resolved}</p>}
      {markets.error && <p className="error">{markets.error}</p>}
      {!markets.data ? <p className="muted">Loading…</p> : (
        <table data-testid="needing-resolution">
          <tbody>
            {markets.data.items.map((m) => (
              <Resolve key={m.id} market={m} assets={assets} onDone={(text) => { setResolved(text); setVersion((v) => v + 1); }} />
            ))}
            {markets.data.items.length === 0 && <tr><td className="muted">None: every closed market is resolved.</td></tr>}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Purchases({ assets }: { assets: Map<string, AssetInfo> }) {
  const purchases = useRead('admin_list_purchases', { limit: 20 });
  return (
    <section className="card">
      <h2>Purchases</h2>
      {purchases.error && <p className="error">{purchases.error}</p>}
      {!purchases.data ? <p className="muted">Loading…</p> : (
        <table data-testid="purchases">
          <thead><tr><th>When</th><th>User</th><th>Package</th><th className="num">Tokens</th><th className="num">Paid</th><th>Status</th><th className="num">Refunded</th></tr></thead>
          <tbody>
            {purchases.data.items.map((p) => (
              <tr key={p.id} data-purchase={p.id}>
                <td>{when(p.created_at)}</td>
                <td>{p.uid}</td>
                <td>{p.package_id}</td>
                <td className="num">{amountText(assets, p.asset, p.tokens + p.bonus)}</td>
                <td className="num">{formatPrice(p.amount, p.currency)}</td>
                <td>{p.status}{p.dispute !== 'none' ? ` · dispute ${p.dispute}` : ''}</td>
                <td className="num">{p.refunded ? formatPrice(p.refunded, p.currency) : ''}</td>
              </tr>
            ))}
            {purchases.data.items.length === 0 && <tr><td colSpan={7} className="muted">No purchase yet.</td></tr>}
          </tbody>
        </table>
      )}
    </section>
  );
}

function StripeFailures() {
  const failures = useRead('admin_list_stripe_failures', { limit: 20 });
  return (
    <section className="card">
      <h2>Failed Stripe deliveries</h2>
      {failures.error && <p className="error">{failures.error}</p>}
      {!failures.data ? <p className="muted">Loading…</p> : (
        <table data-testid="stripe-failures">
          <thead><tr><th>Event</th><th>Type</th><th>Error</th><th className="num">Attempts</th><th>Last attempt</th></tr></thead>
          <tbody>
            {failures.data.items.map((f) => (
              <tr key={f.event_id} data-event={f.event_id}>
                <td>{f.event_id}</td><td>{f.type}</td><td>{f.code}: {f.error}</td>
                <td className="num">{f.attempts}</td><td>{when(f.last_attempt_at)}</td>
              </tr>
            ))}
            {failures.data.items.length === 0 && <tr><td colSpan={5} className="muted">None: every delivery went through.</td></tr>}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Flags() {
  const flags = useRead('admin_list_flags', { limit: 20, status: 'open' });
  return (
    <section className="card">
      <h2>Open account flags</h2>
      {flags.error && <p className="error">{flags.error}</p>}
      {!flags.data ? <p className="muted">Loading…</p> : (
        <table data-testid="flags">
          <thead><tr><th>User</th><th>Reasons</th></tr></thead>
          <tbody>
            {flags.data.items.map((f) => (
              <tr key={f.uid} data-uid={f.uid}>
                <td>{f.uid}</td>
                <td>{f.reasons.map((r) => `${r.code} (${r.subject}): ${r.detail}`).join(' · ')}</td>
              </tr>
            ))}
            {flags.data.items.length === 0 && <tr><td colSpan={2} className="muted">No open flag.</td></tr>}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Admin() {
  const { db } = useSession();
  const assets = useAssets(db);
  const admin = useIsAdmin();
  if (admin === null) return <p className="muted">Loading…</p>;
  if (!admin) return <p className="muted" data-testid="admins-only">The admin area is for admins.</p>;
  return (
    <div className="stack">
      <Stats assets={assets} />
      <NeedingResolution assets={assets} />
      <Purchases assets={assets} />
      <StripeFailures />
      <Flags />
    </div>
  );
}
