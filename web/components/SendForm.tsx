'use client';
/**
 * Send tokens to another user (create_transfer). One Idempotency-Key per intent: a retry of the
 * same form (a 503, a double click) reuses it, a changed form gets a new one. Before sending,
 * the fee is estimated at the configured rate (lib/config.ts); the receipt shows the fee the
 * ledger charged on top of the amount.
 */
import { newIdempotencyKey, type Data } from '@mintbook/client';
import { useMemo, useState } from 'react';

import type { AssetInfo, BalanceRow } from '@/lib/live';
import { feeFor, formatUnits, parseUnits } from '@/lib/money';
import { useSession } from '@/lib/session';

export function SendForm({ rows, assets }: { rows: BalanceRow[]; assets: Map<string, AssetInfo> }) {
  const { api, config } = useSession();
  const [to, setTo] = useState('');
  const [asset, setAsset] = useState(rows[0]?.asset ?? '');
  const [amountText, setAmountText] = useState('');
  const [memo, setMemo] = useState('');
  const [busy, setBusy] = useState(false);
  const [receipt, setReceipt] = useState<Data<'create_transfer'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const decimals = assets.get(asset)?.decimals ?? 0;
  const amount = parseUnits(amountText, decimals);
  const intent = `${to}|${asset}|${amount}|${memo}`;
  const key = useMemo(() => newIdempotencyKey(), [intent]); // eslint-disable-line react-hooks/exhaustive-deps

  const send = async () => {
    if (!amount) return;
    setBusy(true); setError(null); setReceipt(null);
    const sent = await api.call('create_transfer', { idempotencyKey: key, body: { to, asset, amount, memo } });
    setBusy(false);
    if (sent.ok) setReceipt(sent.data);
    else setError(`${sent.error.code}: ${sent.error.message}`);
  };

  return (
    <section className="card">
      <h2>Send tokens</h2>
      <form className="row" onSubmit={(e) => { e.preventDefault(); send(); }}>
        <input aria-label="recipient" placeholder="recipient uid" value={to}
               onChange={(e) => setTo(e.target.value.trim())} required />
        <select aria-label="asset" value={asset} onChange={(e) => setAsset(e.target.value)}>
          {rows.map((r) => <option key={r.asset} value={r.asset}>{r.asset}</option>)}
        </select>
        <input aria-label="amount" placeholder="amount" inputMode="decimal" value={amountText}
               onChange={(e) => setAmountText(e.target.value)} required />
        <input aria-label="memo" placeholder="memo (optional)" value={memo} maxLength={200}
               onChange={(e) => setMemo(e.target.value)} />
        <button type="submit" disabled={busy || !amount || !to}>Send</button>
      </form>
      {amountText && !amount && <p className="error">Not an amount of {asset} ({decimals} decimals)</p>}
      {amount && (
        <p className="muted" data-testid="fee-estimate">
          Fee {formatUnits(feeFor(amount, config.transferFeeBps), decimals)} {asset}
          {' '}({(config.transferFeeBps / 100).toFixed(2)} %): you pay{' '}
          {formatUnits(amount + feeFor(amount, config.transferFeeBps), decimals)} {asset}
        </p>
      )}
      {receipt && (
        <p className="ok" data-testid="transfer-receipt">
          Sent {formatUnits(receipt.amount, decimals)} {receipt.asset} to {receipt.to}; fee{' '}
          {formatUnits(receipt.fee, decimals)} {receipt.asset}; available now{' '}
          {formatUnits(receipt.available_after, decimals)}
        </p>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
