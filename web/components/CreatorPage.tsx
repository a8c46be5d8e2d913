'use client';
/**
 * A creator's page: the profile (get_creator), a candle chart (get_candles), the book's depth and
 * trades live from their listeners (book_depth/{book}, trades), the order ticket, and the user's
 * own orders on the book from the orders listener. After the first load nothing on this page
 * reads the depth or the trades over HTTP: a placed order shows in the depth through the
 * listener alone (tests/e2e/test_web_exchange.py blocks get_depth to prove it).
 */
import { newIdempotencyKey } from '@mintbook/client';

import { amountText } from '@/components/AssetAmount';
import { CandleChart } from '@/components/CandleChart';
import { OrderTicket, type BookInfo } from '@/components/OrderTicket';
import { useRead } from '@/lib/calls';
import { when } from '@/lib/format';
import { useAssets, type AssetInfo } from '@/lib/live';
import { useDepth, useMyOrders, useTrades, type Level } from '@/lib/live-lists';
import { formatUnits } from '@/lib/money';
import { useSession } from '@/lib/session';

/** The user's own fills on the book (list_my_fills), read again whenever the orders listener
 * shows an order's filled quantity change. */
function MyFills({ book, version, base, quote, assets }: {
  book: BookInfo; version: string; base: number; quote: number; assets: Map<string, AssetInfo>;
}) {
  const fills = useRead('list_my_fills', { book: book.id, limit: 20 }, version);
  return (
    <section className="card">
      <h2>My fills</h2>
      {fills.error && <p className="error">{fills.error}</p>}
      {!fills.data ? <p className="muted">Loading…</p> : (
        <table data-testid="my-fills">
          <thead><tr><th>Time</th><th>Side</th><th>Role</th><th className="num">Price ({book.quote})</th><th className="num">Quantity ({book.base})</th><th className="num">Fee</th></tr></thead>
          <tbody>
            {fills.data.items.map((f) => (
              <tr key={`${f.order_id}-${f.seq}`} data-seq={f.seq}>
                <td>{when(f.at)}</td>
                <td>{f.side}</td>
                <td>{f.role}</td>
                <td className="num">{formatUnits(f.price, quote)}</td>
                <td className="num">{formatUnits(f.quantity, base)}</td>
                <td className="num">{amountText(assets, f.fee_asset, f.fee)}</td>
              </tr>
            ))}
            {fills.data.items.length === 0 && <tr><td colSpan={6} className="muted">No fill on this book yet.</td></tr>}
          </tbody>
        </table>
      )}
    </section>
  );
}

function DepthSide({ title, levels, side, book, assets }: {
  title: string; levels: Level[]; side: 'bids' | 'asks'; book: BookInfo; assets: Map<string, AssetInfo>;
}) {
  const b = assets.get(book.base)?.decimals ?? 0;
  const q = assets.get(book.quote)?.decimals ?? 0;
  return (
    <table data-testid={`depth-${side}`}>
      <thead><tr><th>{title}</th><th className="num">Price ({book.quote})</th><th className="num">Quantity ({book.base})</th></tr></thead>
      <tbody>
        {levels.map((l) => (
          <tr key={l.price} data-price={l.price}>
            <td />
            <td className="num">{formatUnits(l.price, q)}</td>
            <td className="num" data-testid={`${side}-${l.price}`}>{formatUnits(l.quantity, b)}</td>
          </tr>
        ))}
        {levels.length === 0 && <tr><td colSpan={3} className="muted">none</td></tr>}
      </tbody>
    </table>
  );
}

export function CreatorPage({ uid, creator }: { uid: string; creator: string }) {
  const { db, api } = useSession();
  const assets = useAssets(db);
  const profile = useRead('get_creator', { uid: creator });
  const books = useRead('list_books', undefined);
  const bookId = profile.data?.book ?? '';
  const book = books.data?.items.find((x) => x.id === bookId);
  const depth = useDepth(db, bookId || '-');
  const trades = useTrades(db, bookId || '-');
  const orders = useMyOrders(db, uid, bookId || '-');

  if (profile.error && !profile.data) return <p className="error">{profile.error}</p>;
  if (!profile.data || !book) return <p className="muted">Loading the creator…</p>;
  const p = profile.data;
  const b = assets.get(book.base)?.decimals ?? 0;
  const q = assets.get(book.quote)?.decimals ?? 0;
  const cancel = (id: string) => api.call('cancel_order', { idempotencyKey: newIdempotencyKey(), body: { order_id: id } });
  return (
    <div className="stack">
      <section className="card">
        <h2 data-testid="creator-name">{p.name} <span className="muted">{p.symbol}</span></h2>
        {p.bio && <p>{p.bio}</p>}
        <p className="muted">
          {(p.categories ?? []).join(', ')} · initial supply {formatUnits(p.initial_supply, b)} {book.base}
          {p.token.last_price != null && <> · last {formatUnits(p.token.last_price, q)} {book.quote}</>}
          {p.token.change_24h_bps != null && <> · 24 h {(p.token.change_24h_bps / 100).toFixed(2)} %</>}
        </p>
        {(p.links ?? []).map((l) => <a key={l} href={l} rel="noreferrer nofollow">{l} </a>)}
      </section>
      <section className="card">
        <h2>{book.id}</h2>
        <CandleChart book={book.id} quoteDecimals={q} version={trades?.[0]?.id ?? ''} />
      </section>
      <div className="split">
        <section className="card" data-testid="depth">
          <h2>Depth {depth?.lastPrice != null && <span className="muted" data-testid="last-price">last {formatUnits(depth.lastPrice, q)}</span>}</h2>
          {!depth ? <p className="muted">Loading…</p> : (
            <>
              <DepthSide title="Asks" levels={[...depth.asks].reverse()} side="asks" book={book} assets={assets} />
              <DepthSide title="Bids" levels={depth.bids} side="bids" book={book} assets={assets} />
            </>
          )}
        </section>
        <section className="card">
          <h2>Trades</h2>
          {!trades ? <p className="muted">Loading…</p> : (
            <table data-testid="trades">
              <thead><tr><th>Time</th><th className="num">Price</th><th className="num">Quantity</th><th>Taker</th></tr></thead>
              <tbody>
                {trades.map(({ id, data }) => (
                  <tr key={id}>
                    <td>{when(data.at)}</td>
                    <td className="num">{formatUnits(Number(data.price), q)}</td>
                    <td className="num">{formatUnits(Number(data.quantity), b)}</td>
                    <td>{data.taker_side}</td>
                  </tr>
                ))}
                {trades.length === 0 && <tr><td colSpan={4} className="muted">No trade yet.</td></tr>}
              </tbody>
            </table>
          )}
        </section>
      </div>
      <OrderTicket book={book} assets={assets} />
      <section className="card">
        <h2>My orders</h2>
        {!orders ? <p className="muted">Loading…</p> : (
          <table data-testid="my-orders">
            <thead><tr><th>Side</th><th className="num">Price</th><th className="num">Quantity</th><th className="num">Filled</th><th>Status</th><th /></tr></thead>
            <tbody>
              {orders.map(({ id, data }) => (
                <tr key={id}>
                  <td>{data.side}</td>
                  <td className="num">{data.type === 'market' ? 'market' : formatUnits(Number(data.price), q)}</td>
                  <td className="num">{formatUnits(Number(data.quantity), b)}</td>
                  <td className="num">{formatUnits(Number(data.filled ?? 0), b)}</td>
                  <td>{data.status}</td>
                  <td>{['open', 'partially_filled'].includes(data.status) &&
                    <button type="button" className="secondary" onClick={() => cancel(id)}>Cancel</button>}</td>
                </tr>
              ))}
              {orders.length === 0 && <tr><td colSpan={6} className="muted">No order on this book.</td></tr>}
            </tbody>
          </table>
        )}
      </section>
      <MyFills book={book} version={orders?.map(({ id, data }) => `${id}:${data.filled ?? 0}`).join(',') ?? ''}
               base={b} quote={q} assets={assets} />
    </div>
  );
}
