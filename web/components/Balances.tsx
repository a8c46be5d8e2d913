'use client';
/** The user's balances per asset, from the accounts listener: they change without a reload. */
import { formatUnits } from '@/lib/money';
import type { AssetInfo, BalanceRow } from '@/lib/live';

export function Balances({ rows, assets, error }: {
  rows: BalanceRow[] | null; assets: Map<string, AssetInfo>; error: string | null;
}) {
  if (error) return <p className="error">Balances unavailable ({error})</p>;
  if (!rows) return <p className="muted">Loading balances…</p>;
  const fmt = (row: BalanceRow, amount: number) => formatUnits(amount, assets.get(row.asset)?.decimals ?? 0);
  return (
    <table data-testid="balances">
      <thead>
        <tr><th>Asset</th><th className="num">Available</th><th className="num">Committed</th>
          <th className="num">Total</th><th className="num">Owed</th></tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.asset} data-asset={row.asset}>
            <td>{row.asset} <span className="muted">{assets.get(row.asset)?.name}</span></td>
            <td className="num" data-testid={`available-${row.asset}`}>{fmt(row, row.available)}</td>
            <td className="num" data-testid={`committed-${row.asset}`}>{fmt(row, row.committed)}</td>
            <td className="num" data-testid={`total-${row.asset}`}>{fmt(row, row.total)}</td>
            <td className="num">{fmt(row, row.owed)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
