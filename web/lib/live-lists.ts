'use client';
/**
 * Live lists from Firestore listeners beyond the balances (lib/live.ts): the user's own
 * notifications, orders and forecasts (`owner == uid`, as the rules demand), and a book's public
 * depth and trades. Each hook gives null until the listener's first snapshot, so a page can tell
 * "loading" from "empty"; nothing here reads over HTTP.
 */
import {
  collection, doc, limit, onSnapshot, orderBy, query, where, type DocumentData, type Firestore,
  type QueryConstraint,
} from 'firebase/firestore';
import { useEffect, useState } from 'react';

export interface Row { id: string; data: DocumentData }

function useQuery(db: Firestore, path: string, key: string, constraints: () => QueryConstraint[]): Row[] | null {
  const [rows, setRows] = useState<Row[] | null>(null);
  useEffect(() => {
    setRows(null);
    return onSnapshot(query(collection(db, path), ...constraints()),
                      (snap) => setRows(snap.docs.map((d) => ({ id: d.id, data: d.data() }))),
                      () => setRows([]));
  }, [db, path, key]); // eslint-disable-line react-hooks/exhaustive-deps
  return rows;
}

/** The user's newest notifications (market results, badges, closing markets). */
export function useNotifications(db: Firestore, uid: string): Row[] | null {
  return useQuery(db, 'notifications', uid,
                  () => [where('owner', '==', uid), orderBy('created_at', 'desc'), limit(10)]);
}

/** The user's forecasts, one document per market (the sum of their commits). */
export function useMyForecasts(db: Firestore, uid: string): Row[] | null {
  return useQuery(db, 'forecasts', uid, () => [where('owner', '==', uid), limit(50)]);
}

/** The user's newest orders on one book. */
export function useMyOrders(db: Firestore, uid: string, book: string): Row[] | null {
  return useQuery(db, 'orders', `${uid}|${book}`, () => [
    where('owner', '==', uid), where('book', '==', book), orderBy('created_at', 'desc'), limit(20)]);
}

/** A book's newest trades. */
export function useTrades(db: Firestore, book: string): Row[] | null {
  return useQuery(db, 'trades', book, () => [where('book', '==', book), orderBy('seq', 'desc'), limit(20)]);
}

export interface Level { price: number; quantity: number }
export interface Depth { bids: Level[]; asks: Level[]; lastPrice: number | null }

/** A book's published depth (book_depth/{book}: the best levels and the last price), rewritten
 * by every batch the sequencer commits. */
export function useDepth(db: Firestore, book: string): Depth | null {
  const [depth, setDepth] = useState<Depth | null>(null);
  useEffect(() => onSnapshot(doc(db, 'book_depth', book), (snap) => {
    const data = snap.data() ?? {};
    setDepth({ bids: data.bids ?? [], asks: data.asks ?? [], lastPrice: data.last_price ?? null });
  }, () => setDepth({ bids: [], asks: [], lastPrice: null })), [db, book]);
  return depth;
}

/** One public document, live (a market). */
export function useDoc(db: Firestore, path: string, id: string): DocumentData | null {
  const [data, setData] = useState<DocumentData | null>(null);
  useEffect(() => onSnapshot(doc(db, path, id), (snap) => setData(snap.data() ?? null),
                             () => setData(null)), [db, path, id]);
  return data;
}
