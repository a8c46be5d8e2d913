'use client';
/**
 * Live state from Firestore listeners, as the README's "Documents a client may listen to" says:
 * every query on the user's own documents constrains `owner == uid` (the rules refuse any other),
 * and balances are computed from account documents exactly as get_balances computes them
 * (shared/services/balances.py): total = credits_posted - debits_posted, committed =
 * debits_pending, available = total - committed, owed = minus the receivable account's balance.
 */
import {
  collection, doc, onSnapshot, query, where, type DocumentData, type Firestore,
} from 'firebase/firestore';
import { useEffect, useState } from 'react';

export interface AssetInfo { code: string; name: string; decimals: number; kind: string }
export interface BalanceRow { asset: string; available: number; committed: number; total: number; owed: number }

export function useAssets(db: Firestore): Map<string, AssetInfo> {
  const [assets, setAssets] = useState(new Map<string, AssetInfo>());
  useEffect(() => onSnapshot(collection(db, 'assets'), (snapshot) => {
    const next = new Map<string, AssetInfo>();
    snapshot.forEach((d) => {
      const data = d.data();
      next.set(d.id, { code: d.id, name: String(data.name ?? d.id), decimals: Number(data.decimals ?? 0),
                        kind: String(data.kind ?? '') });
    });
    setAssets(next);
  }), [db]);
  return assets;
}

export function balancesFrom(accounts: DocumentData[]): BalanceRow[] {
  const rows = new Map<string, BalanceRow>();
  for (const a of accounts) {
    const row = rows.get(a.asset) ?? { asset: a.asset, available: 0, committed: 0, total: 0, owed: 0 };
    const balance = Number(a.credits_posted) - Number(a.debits_posted);
    if (a.kind === 'receivable') {
      row.owed = -balance;
    } else {
      row.total = balance;
      row.committed = Number(a.debits_pending);
      row.available = balance - row.committed;
    }
    rows.set(a.asset, row);
  }
  return [...rows.values()].sort((x, y) => x.asset.localeCompare(y.asset));
}

/** The user's balances per asset; null until the listener's first snapshot. */
export function useBalances(db: Firestore, uid: string): { rows: BalanceRow[] | null; error: string | null } {
  const [rows, setRows] = useState<BalanceRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const mine = query(collection(db, 'accounts'), where('owner', '==', uid));
    return onSnapshot(mine, (snapshot) => setRows(balancesFrom(snapshot.docs.map((d) => d.data()))),
                      (err) => setError(err.code));
  }, [db, uid]);
  return { rows, error };
}

/** One of the user's documents by id (a purchase, say), live; null until it exists. */
export function useOwnDocument(db: Firestore, path: string, id: string | null): DocumentData | null {
  const [data, setData] = useState<DocumentData | null>(null);
  useEffect(() => {
    setData(null);
    if (!id) return;
    return onSnapshot(doc(db, path, id), (snapshot) => setData(snapshot.data() ?? null),
                      () => setData(null));
  }, [db, path, id]);
  return data;
}
