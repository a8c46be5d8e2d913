'use client';
/**
 * Buying tokens: the packages (list_packages, every page, the popular one marked, the bonus
 * shown), a purchase (create_purchase answers the PaymentIntent's client secret), a card
 * payment through @stripe/stripe-js (`confirmCardPayment`), then the purchase document and the
 * balances, both live: the tokens are credited by the Stripe webhook, not by this page.
 *
 * Production: Stripe.js from js.stripe.com and its card Element. Local build: localstripe's
 * stand-in is loaded first (lib/local.tsx), the card is one of the test cards, put on the
 * PaymentIntent by the dev server, and the stand-in asks for the 3-D Secure step.
 */
import { newIdempotencyKey, type Data } from '@mintbook/client';
import type { Stripe, StripeCardElement } from '@stripe/stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';
import { useEffect, useMemo, useRef, useState } from 'react';

import { Balances } from '@/components/Balances';
import { useAssets, useBalances, useOwnDocument } from '@/lib/live';
import { formatPrice, formatUnits } from '@/lib/money';
import { useSession } from '@/lib/session';

type Package = Data<'list_packages'>['items'][number];
type Purchase = Data<'create_purchase'>;

function useStripe(): { stripe: Stripe | null; error: string | null } {
  const { config, local } = useSession();
  const [stripe, setStripe] = useState<Stripe | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const standIn = local && config.local ? local.loadStripeStandIn(config.local) : Promise.resolve();
    standIn.then(() => loadStripe(config.stripeKey)).then(setStripe, (err) => setError(String(err)));
  }, [config, local]);
  return { stripe, error };
}

export function Buy({ uid }: { uid: string }) {
  const { api, db, config, local } = useSession();
  const assets = useAssets(db);
  const balances = useBalances(db, uid);
  const { stripe, error: stripeError } = useStripe();
  const [packages, setPackages] = useState<Package[] | null>(null);
  const [chosen, setChosen] = useState<Package | null>(null);
  const [purchase, setPurchase] = useState<Purchase | null>(null);
  const [testCard, setTestCard] = useState('3ds');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const card = useRef<StripeCardElement | null>(null);
  const cardBox = useRef<HTMLDivElement>(null);
  const key = useMemo(() => newIdempotencyKey(), [chosen]);
  const stored = useOwnDocument(db, 'purchases', purchase?.purchase_id ?? null);

  // Every package on sale, in the server's display order: the shop shows them all, so it follows
  // the cursor (packages are few: one page of 100 in practice).
  useEffect(() => {
    let stale = false;
    const pageAfter = (cursor: string | null) =>
      api.call('list_packages', { query: { limit: 100, cursor } });
    (async () => {
      const all: Package[] = [];
      let cursor: string | null = null;
      do {
        const page = await pageAfter(cursor);
        if (!page.ok) {
          if (!stale) setError(`packages unavailable: ${page.error.code}`);
          return;
        }
        all.push(...page.data.items);
        cursor = page.data.next_cursor ?? null;
      } while (cursor);
      if (!stale) setPackages(all);
    })();
    return () => { stale = true; };
  }, [api]);

  // Stripe's card Element (production only: the local stand-in's is a form it cannot charge).
  useEffect(() => {
    if (!stripe || local || !purchase || !cardBox.current) return;
    const element = stripe.elements().create('card');
    element.mount(cardBox.current);
    card.current = element;
    return () => { element.destroy(); card.current = null; };
  }, [stripe, local, purchase]);

  const choose = (p: Package | null) => { setChosen(p); setPurchase(null); setMessage(null); setError(null); };

  const startPurchase = async () => {
    if (!chosen) return;
    setBusy(true); setError(null);
    const created = await api.call('create_purchase', { idempotencyKey: key, body: { package_id: chosen.id } });
    setBusy(false);
    if (created.ok) setPurchase(created.data);
    else setError(`${created.error.code}: ${created.error.message}`);
  };

  const pay = async () => {
    if (!stripe || !purchase) return;
    setBusy(true); setError(null); setMessage(null);
    let result;
    if (local && config.local) {
      const refused = await local.attachTestCard(config.local, purchase.purchase_id, testCard);
      if (refused) { setBusy(false); setError(refused); return; }
      result = await stripe.confirmCardPayment(purchase.client_secret);
    } else {
      if (!card.current) { setBusy(false); return; }
      result = await stripe.confirmCardPayment(purchase.client_secret, { payment_method: { card: card.current } });
    }
    setBusy(false);
    if (result.error) setError(result.error.message ?? 'The payment failed');
    else if (result.paymentIntent?.status !== 'succeeded') setError(`The payment is ${result.paymentIntent?.status}`);
    else setMessage('Payment confirmed; your tokens arrive in a moment.');
  };

  const status = stored?.status as string | undefined;
  // Packages are sold in the platform asset.
  const platform = [...assets.values()].find((a) => a.kind === 'platform');
  const decimals = platform?.decimals ?? 0;
  return (
    <div className="stack">
      <section className="card">
        <h2>Your balances</h2>
        <Balances rows={balances.rows} assets={assets} error={balances.error} />
      </section>
      <section className="card">
        <h2>Buy tokens</h2>
        {!packages && !error && <p className="muted">Loading packages…</p>}
        {packages?.length === 0 && <p className="muted">No packages on sale.</p>}
        <div className="grid">
          {packages?.map((p) => (
            <button key={p.id} type="button" data-testid={`package-${p.id}`}
                    className={`card package secondary ${chosen?.id === p.id ? 'selected' : ''}`}
                    onClick={() => choose(p)} disabled={busy || !!purchase}>
              <strong>{p.name}</strong> {p.popular && <span className="badge">Popular</span>}
              <div>{formatUnits(p.tokens, decimals)} {platform?.code}</div>
              {p.bonus > 0 && <div className="ok">+{formatUnits(p.bonus, decimals)} bonus</div>}
              <div>{formatPrice(p.price, p.currency)}</div>
            </button>
          ))}
        </div>
        {chosen && !purchase && (
          <p><button type="button" onClick={startPurchase} disabled={busy}>
            Buy {chosen.name} for {formatPrice(chosen.price, chosen.currency)}</button></p>
        )}
      </section>
      {purchase && (
        <section className="card" data-testid="payment">
          <h2>Pay {formatPrice(purchase.amount, purchase.currency)}</h2>
          {stripeError && <p className="error">{stripeError}</p>}
          {local ? (
            <div className="row">
              <select aria-label="test card" value={testCard} onChange={(e) => setTestCard(e.target.value)}>
                {local.TEST_CARDS.map((c) => <option key={c.id} value={c.id}>{c.label}</option>)}
              </select>
              <button type="button" onClick={pay} disabled={busy || !stripe || !!status && status !== 'pending'}>
                Pay with test card</button>
            </div>
          ) : (
            <div className="stack">
              <div ref={cardBox} className="card" />
              <button type="button" onClick={pay} disabled={busy || !stripe || !!status && status !== 'pending'}>Pay</button>
            </div>
          )}
          <p data-testid="purchase-status">Purchase {status ?? 'pending'}
            {status === 'completed' && `: ${formatUnits(purchase.tokens + purchase.bonus, decimals)} ${platform?.code} credited`}
          </p>
          {message && status === 'pending' && <p className="ok">{message}</p>}
          {status && status !== 'pending' && (
            <button type="button" className="secondary" onClick={() => choose(null)}>Buy another package</button>
          )}
        </section>
      )}
      {error && <p className="error" role="alert" data-testid="payment-error">{error}</p>}
    </div>
  );
}
