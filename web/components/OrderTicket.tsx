'use client';
/**
 * The order ticket: side, limit or market, quantity of the base asset and a limit price in the
 * quote asset (both typed with each asset's decimals). Before placing, estimate_order walks the
 * published depth (what would fill now, its notional and fee); place_order takes the order with
 * one Idempotency-Key per intent. The order then shows in "My orders" and the depth through their
 * listeners, as the sequencer matches it.
 */
import { newIdempotencyKey, type Data } from '@mintbook/client';
import { useEffect, useMemo, useState } from 'react';

import { amountText } from '@/components/AssetAmount';
import type { AssetInfo } from '@/lib/live';
import { formatUnits, parseUnits } from '@/lib/money';
import { useSession } from '@/lib/session';

export interface BookInfo { id: string; base: string; quote: string; tick_size: number; min_quantity: number }

export function OrderTicket({ book, assets }: { book: BookInfo; assets: Map<string, AssetInfo> }) {
  const { api } = useSession();
  const baseDecimals = assets.get(book.base)?.decimals ?? 0;
  const quoteDecimals = assets.get(book.quote)?.decimals ?? 0;
  const [side, setSide] = useState<'buy' | 'sell'>('buy');
  const [type, setType] = useState<'limit' | 'market'>('limit');
  const [quantityText, setQuantityText] = useState('');
  const [priceText, setPriceText] = useState('');
  const quantity = parseUnits(quantityText, baseDecimals);
  const price = type === 'limit' ? parseUnits(priceText, quoteDecimals) : null;
  const ready = !!quantity && (type === 'market' || !!price);
  const [estimate, setEstimate] = useState<Data<'estimate_order'> | null>(null);
  const [placed, setPlaced] = useState<Data<'place_order'> | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const intent = `${side}|${type}|${quantity}|${price}`;
  const key = useMemo(() => newIdempotencyKey(), [intent]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    setEstimate(null);
    if (!ready) return;
    let current = true;
    api.call('estimate_order', { query: { book: book.id, side, quantity: quantity!, ...(price ? { price } : {}) } })
      .then((r) => { if (current && r.ok) setEstimate(r.data); });
    return () => { current = false; };
  }, [api, book.id, side, quantity, price, ready]);

  const place = async () => {
    if (!ready) return;
    setBusy(true); setFailure(null); setPlaced(null);
    const done = await api.call('place_order', { idempotencyKey: key, body: {
      book: book.id, side, type, quantity: quantity!, price: type === 'limit' ? price! : null,
      tif: type === 'limit' ? 'gtc' : 'ioc' } });
    setBusy(false);
    if (done.ok) setPlaced(done.data);
    else setFailure(`${done.error.code}: ${done.error.message}`);
  };

  return (
    <section className="card">
      <h2>Order ticket</h2>
      <form className="row" onSubmit={(e) => { e.preventDefault(); place(); }}>
        <select aria-label="side" value={side} onChange={(e) => setSide(e.target.value as typeof side)}>
          <option value="buy">Buy</option><option value="sell">Sell</option>
        </select>
        <select aria-label="order type" value={type} onChange={(e) => setType(e.target.value as typeof type)}>
          <option value="limit">Limit</option><option value="market">Market</option>
        </select>
        <input aria-label="quantity" placeholder={`quantity of ${book.base}`} inputMode="decimal"
               value={quantityText} onChange={(e) => setQuantityText(e.target.value)} required />
        {type === 'limit' && (
          <input aria-label="limit price" placeholder={`price in ${book.quote}`} inputMode="decimal"
                 value={priceText} onChange={(e) => setPriceText(e.target.value)} required />
        )}
        <button type="submit" disabled={busy || !ready}>Place order</button>
      </form>
      {estimate && (
        <p className="muted" data-testid="order-estimate">
          {estimate.quantity > 0
            ? <>Fills {formatUnits(estimate.quantity, baseDecimals)} {book.base} now for {amountText(assets, book.quote, estimate.notional)}
                {' '}(fee {amountText(assets, book.quote, estimate.fee)}){estimate.quantity < quantity! && type === 'limit' && '; the rest rests on the book'}</>
            : type === 'limit' ? 'Nothing fills now: the whole order rests on the book' : 'Nothing would fill now'}
        </p>
      )}
      {placed && (
        <p className="ok" data-testid="order-receipt">
          Order {placed.id.slice(0, 8)} {placed.side} {formatUnits(placed.quantity, baseDecimals)} {book.base}
          {placed.type === 'limit' && <> at {formatUnits(placed.price, quoteDecimals)} {book.quote}</>}: {placed.status}
        </p>
      )}
      {failure && <p className="error" role="alert">{failure}</p>}
    </section>
  );
}
