'use client';
/**
 * Leaderboards and reputation: a board per period and category (get_leaderboard, ranked by the
 * leaderboards job, with the display names of the rows' public profiles and the time it was
 * computed) and one user's reputation in total and per category (get_reputation), the signed-in
 * user's until a row is picked. Net won is in the markets' asset (CHIP), shown with its decimals.
 */
import { useState } from 'react';

import { amountText } from '@/components/AssetAmount';
import { useRead } from '@/lib/calls';
import { percentFromPpm, when } from '@/lib/format';
import { useAssets, type AssetInfo } from '@/lib/live';
import { useSession } from '@/lib/session';

const MARKET_ASSET = 'CHIP';
const CATEGORIES = ['all', 'election', 'crypto', 'entertainment', 'sports', 'politics', 'other'] as const;
type Period = 'week' | 'month' | 'all';
type Category = (typeof CATEGORIES)[number];

/** A score in parts per million as a plain number with three decimals (1_000_000 ppm = 1). */
function score(ppm: number): string {
  return (ppm / 1_000_000).toFixed(3);
}

function Reputation({ uid, name, assets }: { uid: string; name: string; assets: Map<string, AssetInfo> }) {
  const rep = useRead('get_reputation', { uid });
  return (
    <section className="card" data-testid="reputation">
      <h2>Reputation of {name}</h2>
      {rep.error && <p className="error">{rep.error}</p>}
      {!rep.data ? <p className="muted">Loading…</p> : (
        <table>
          <thead><tr><th>Category</th><th className="num">Score</th><th className="num">Resolved</th><th className="num">Correct</th><th className="num">Net won</th></tr></thead>
          <tbody>
            <tr data-category="total">
              <td><strong>Total</strong></td>
              <td className="num">{score(rep.data.score_ppm)}</td>
              <td className="num">{rep.data.resolved}</td>
              <td className="num">{rep.data.correct}</td>
              <td className="num" data-testid="reputation-net-won">{amountText(assets, MARKET_ASSET, rep.data.net_won)}</td>
            </tr>
            {rep.data.categories.map((c) => (
              <tr key={c.category} data-category={c.category}>
                <td>{c.category}</td>
                <td className="num">{score(c.score_ppm)}</td>
                <td className="num">{c.resolved}</td>
                <td className="num">{c.correct}</td>
                <td className="num">{amountText(assets, MARKET_ASSET, c.net_won)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Leaderboard({ uid }: { uid: string }) {
  const { db } = useSession();
  const assets = useAssets(db);
  const [period, setPeriod] = useState<Period>('all');
  const [category, setCategory] = useState<Category>('all');
  const [picked, setPicked] = useState<{ uid: string; name: string }>({ uid, name: 'you' });
  const board = useRead('get_leaderboard', { period, category });
  return (
    <div className="stack">
      <section className="card">
        <h2>Leaderboard</h2>
        <div className="row">
          <label>period{' '}
            <select aria-label="period" value={period} onChange={(e) => setPeriod(e.target.value as Period)}>
              <option value="week">this week</option><option value="month">this month</option><option value="all">all time</option>
            </select>
          </label>
          <label>category{' '}
            <select aria-label="leaderboard category" value={category} onChange={(e) => setCategory(e.target.value as Category)}>
              {CATEGORIES.map((c) => <option key={c} value={c}>{c}</option>)}
            </select>
          </label>
        </div>
        {board.error && <p className="error">{board.error}</p>}
        {!board.data ? <p className="muted">Loading…</p> : (
          <>
            <p className="muted" data-testid="leaderboard-as-of">
              {board.data.computed_at ? `as of ${when(board.data.computed_at)}` : 'not computed yet'}
            </p>
            <table data-testid="leaderboard">
              <thead><tr><th className="num">Rank</th><th>Forecaster</th><th className="num">Score</th><th className="num">Correct</th><th className="num">Hit rate</th><th className="num">Net won</th></tr></thead>
              <tbody>
                {board.data.rows.map((r) => (
                  <tr key={r.uid} data-uid={r.uid}>
                    <td className="num">{r.rank}</td>
                    <td><button type="button" className="link" onClick={() => setPicked({ uid: r.uid, name: r.display_name ?? 'unnamed forecaster' })}>
                      {r.display_name ?? 'unnamed forecaster'}</button></td>
                    <td className="num">{score(r.score_ppm)}</td>
                    <td className="num">{r.correct} / {r.resolved}</td>
                    <td className="num">{r.resolved ? percentFromPpm(Math.round((r.correct * 1_000_000) / r.resolved)) : '–'}</td>
                    <td className="num">{amountText(assets, MARKET_ASSET, r.net_won)}</td>
                  </tr>
                ))}
                {board.data.rows.length === 0 && <tr><td colSpan={6} className="muted">No forecaster ranked yet.</td></tr>}
              </tbody>
            </table>
          </>
        )}
      </section>
      <Reputation key={picked.uid} uid={picked.uid} name={picked.name} assets={assets} />
    </div>
  );
}
