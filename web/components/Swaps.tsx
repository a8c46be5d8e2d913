'use client';
/**
 * P2P swap offers: make one (create_swap_offer: the offered amount is held; the rate must lie
 * within the band around the market rate, which the function checks and names when refused)
 * and take another user's (execute_swap_offer: all that remains, or a part when the maker
 * allows it). The open offers are read with list_swap_offers again whenever the swap_offers
 * listener sees a change, so a taken or new offer shows without a reload.
 */
import { newIdempotencyKey, type Data } from '@mintbook/client';
import { collection, limit, onSnapshot, query, where } from 'firebase/firestore';
import { useEffect, useMemo, useState } from 'react';

import { amountText } from '@/components/AssetAmount';
import { Balances } from '@/components/Balances';
import { useRead } from '@/lib/calls';
import { useAssets, useBalances, type AssetInfo } from '@/lib/live';
import { formatUnits, parseUnits } from '@/lib/money';
import { useSession } from '@/lib/session';

function useOffersVersion(): string {
  const { db } = useSession();
  const [version, setVersion] = useState('');
  useEffect(() => onSnapshot(query(collection(db, 'swap_offers'), where('status', '==', 'open'), limit(100)),
    (snap) => setVersion(snap.docs.map((d) => `${d.id}:${JSON.stringify(d.data().given ?? 0)}`).join(',')),
    () => setVersion('')), [db]);
  return version;
}

function NewOffer({ assets, codes }: { assets: Map<string, AssetInfo>; codes: string[] }) {
  const { api } = useSession();
  const [give, setGive] = useState(codes[0] ?? '');
  const [want, setWant] = useState(codes[1] ?? codes[0] ?? '');
  const [giveText, setGiveText] = useState('');
  const [wantText, setWantText] = useState('');
  const [partial, setPartial] = useState(false);
  const [made, setMade] = useState<Data<'create_swap_offer'> | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const giveAmount = parseUnits(giveText, assets.get(give)?.decimals ?? 0);
  const wantAmount = parseUnits(wantText, assets.get(want)?.decimals ?? 0);
  const intent = `${give}|${giveAmount}|${want}|${wantAmount}|${partial}`;
  const key = useMemo(() => newIdempotencyKey(), [intent]); // eslint-disable-line react-hooks/exhaustive-deps
  const submit = async () => {
    if (!giveAmount || !wantAmount) return;
    setFailure(null); setMade(null);
    const done = await api.call('create_swap_offer', { idempotencyKey: key, body: {
      give_asset: give, give_amount: giveAmount, want_asset: want, want_amount: wantAmount, allow_partial: partial } });
    if (done.ok) setMade(done.data);
    else setFailure(`${done.error.code}: ${done.error.message}`);
  };
  return (
    <section className="card">
      <h2>Make an offer</h2>
      <form className="row" onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <span>Give</span>
        <input aria-label="give amount" inputMode="decimal" value={giveText} onChange={(e) => setGiveText(e.target.value)} required />
        <select aria-label="give asset" value={give} onChange={(e) => setGive(e.target.value)}>
          {codes.map((c) => <option key={c}>{c}</option>)}
        </select>
        <span>for</span>
        <input aria-label="want amount" inputMode="decimal" value={wantText} onChange={(e) => setWantText(e.target.value)} required />
        <select aria-label="want asset" value={want} onChange={(e) => setWant(e.target.value)}>
          {[...assets.keys()].sort().map((c) => <option key={c}>{c}</option>)}
        </select>
        <label><input type="checkbox" checked={partial} onChange={(e) => setPartial(e.target.checked)} /> takers may take part</label>
        <button type="submit" disabled={!giveAmount || !wantAmount || give === want}>Offer</button>
      </form>
      {made && <p className="ok" data-testid="offer-receipt">Offered {amountText(assets, made.give_asset, made.give_amount)} for{' '}
        {amountText(assets, made.want_asset, made.want_amount)}: {made.status}</p>}
      {failure && <p className="error" role="alert">{failure}</p>}
    </section>
  );
}

function Offer({ offer, uid, assets, onTaken }: {
  offer: Data<'list_swap_offers'>['items'][number]; uid: string; assets: Map<string, AssetInfo>;
  onTaken: (receipt: Data<'execute_swap_offer'> | string) => void;
}) {
  const { api } = useSession();
  const [partText, setPartText] = useState('');
  const part = parseUnits(partText, assets.get(offer.give_asset)?.decimals ?? 0);
  const key = useMemo(() => newIdempotencyKey(), [offer.id, part]); // eslint-disable-line react-hooks/exhaustive-deps
  const take = async () => {
    const done = await api.call('execute_swap_offer', { idempotencyKey: key, body: { offer_id: offer.id, amount: part } });
    onTaken(done.ok ? done.data : `${done.error.code}: ${done.error.message}`);
  };
  const cancel = async () => {
    const done = await api.call('cancel_swap_offer', { idempotencyKey: newIdempotencyKey(), body: { offer_id: offer.id } });
    if (!done.ok) onTaken(`${done.error.code}: ${done.error.message}`);
  };
  return (
    <tr data-offer={offer.id}>
      <td>{offer.maker}</td>
      <td className="num">{amountText(assets, offer.give_asset, offer.remaining)}</td>
      <td className="num">{amountText(assets, offer.want_asset, offer.want_amount - offer.received)}</td>
      <td>{offer.allow_partial ? 'in part' : 'whole'}</td>
      <td>
        {offer.maker === uid
          ? <button type="button" className="secondary" onClick={cancel}>Cancel</button>
          : <span className="row">
              {offer.allow_partial && <input aria-label={`part of ${offer.id}`} placeholder={`part (${offer.give_asset})`}
                                             size={8} value={partText} onChange={(e) => setPartText(e.target.value)} />}
              <button type="button" onClick={take}>Take</button>
            </span>}
      </td>
    </tr>
  );
}

export function Swaps({ uid }: { uid: string }) {
  const { db } = useSession();
  const assets = useAssets(db);
  const { rows, error } = useBalances(db, uid);
  const version = useOffersVersion();
  const offers = useRead('list_swap_offers', { status: 'open', limit: 50 }, version);
  const [taken, setTaken] = useState<Data<'execute_swap_offer'> | string | null>(null);
  const held = (rows ?? []).filter((r) => r.total > 0).map((r) => r.asset);
  return (
    <div className="stack">
      <section className="card">
        <h2>Your balances</h2>
        <Balances rows={rows} assets={assets} error={error} />
      </section>
      {held.length > 0 && <NewOffer assets={assets} codes={held} />}
      <section className="card">
        <h2>Open offers</h2>
        {typeof taken === 'string' && <p className="error" role="alert">{taken}</p>}
        {taken && typeof taken !== 'string' && (
          <p className="ok" data-testid="swap-receipt">
            Received {amountText(assets, taken.offer.give_asset, taken.received)}, paid{' '}
            {amountText(assets, taken.offer.want_asset, taken.paid)} and a fee of{' '}
            {formatUnits(taken.fee, assets.get(taken.offer.want_asset)?.decimals ?? 0)} {taken.offer.want_asset}
          </p>
        )}
        {offers.error && <p className="error">{offers.error}</p>}
        {!offers.data ? <p className="muted">Loading offers…</p> : (
          <table data-testid="swap-offers">
            <thead><tr><th>Maker</th><th className="num">Gives</th><th className="num">For</th><th>Taken</th><th /></tr></thead>
            <tbody>
              {offers.data.items.map((o) => <Offer key={o.id} offer={o} uid={uid} assets={assets} onTaken={setTaken} />)}
              {offers.data.items.length === 0 && <tr><td colSpan={5} className="muted">No open offer.</td></tr>}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
