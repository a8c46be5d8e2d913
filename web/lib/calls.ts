'use client';
/**
 * Reading a function from the browser (through clients/ts, with the user's token) as React
 * state: `useRead` calls it on mount and again whenever `version` changes (a listener's snapshot,
 * a submitted form), and keeps the last good answer while a new one is on its way.
 */
import type { Data, FunctionName, Query } from '@mintbook/client';
import { useEffect, useState } from 'react';

import { useSession } from './session';

export interface Read<N extends FunctionName> { data: Data<N> | null; error: string | null }

export function useRead<N extends FunctionName>(name: N, query: Query<N> | undefined,
                                                version: unknown = 0): Read<N> {
  const { api } = useSession();
  const [state, setState] = useState<Read<N>>({ data: null, error: null });
  const key = JSON.stringify(query ?? {});
  useEffect(() => {
    let live = true;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (api.call as any)(name, { query }).then((result: any) => {
      if (!live) return;
      if (result.ok) setState({ data: result.data, error: null });
      else setState((s) => ({ data: s.data, error: `${result.error.code}: ${result.error.message}` }));
    });
    return () => { live = false; };
  }, [api, name, key, version]); // eslint-disable-line react-hooks/exhaustive-deps
  return state;
}

/** Whether the signed-in user is an admin (get_me's role; null until it answers): the app
 * shows the admin area to admins only; the functions refuse everyone else anyway. */
export function useIsAdmin(): boolean | null {
  const { user } = useSession();
  const me = useRead('get_me', undefined, user?.uid ?? '');
  if (!user) return false;
  if (!me.data || me.data.uid !== user.uid) return me.error ? false : null;
  return ['admin', 'superadmin'].includes(me.data.role);
}
