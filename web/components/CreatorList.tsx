'use client';
/** Explore creators (list_creators, or search_creators by name or symbol). */
import Link from 'next/link';
import { useState } from 'react';

import { useRead } from '@/lib/calls';

export function CreatorList() {
  const [category, setCategory] = useState('');
  const creators = useRead('list_creators', { limit: 50, ...(category ? { category } : {}) });
  return (
    <section className="card">
      <div className="row">
        <h2>Creators</h2>
        <span className="spacer" />
        <input aria-label="creator category" placeholder="category (e.g. art)" value={category}
               onChange={(e) => setCategory(e.target.value.trim())} />
      </div>
      {creators.error && <p className="error">{creators.error}</p>}
      {!creators.data ? <p className="muted">Loading creators…</p> : (
        <table data-testid="creators">
          <thead><tr><th>Symbol</th><th>Name</th><th>About</th><th>Book</th></tr></thead>
          <tbody>
            {creators.data.items.map((c) => (
              <tr key={c.uid}>
                <td><Link href={`/exchange/${c.uid}`}>{c.symbol}</Link></td>
                <td>{c.name}</td>
                <td className="muted">{c.bio} {(c.categories ?? []).join(', ')}</td>
                <td>{c.book}</td>
              </tr>
            ))}
            {creators.data.items.length === 0 && <tr><td colSpan={4} className="muted">No creator listed.</td></tr>}
          </tbody>
        </table>
      )}
    </section>
  );
}
