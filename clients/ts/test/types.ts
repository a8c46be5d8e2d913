// Compile-time checks of the client's types (run by `tsc --noEmit`, i.e. `make ts-client-check`).
// Each @ts-expect-error must be an error: if the generated types degrade (to `any`, say), tsc
// reports the unused directive and the check fails.
import { createClient, newIdempotencyKey, type Data, type MintbookError } from '../src/client';

const api = createClient({ baseUrl: 'http://127.0.0.1:8080', getIdToken: () => 'token' });

export async function usage(): Promise<void> {
  // A GET without input; data typed from the schema.
  const balances = await api.call('get_balances');
  if (balances.ok) {
    const first = balances.data.items[0];
    const available: number | undefined = first?.available;
    void available;
    // @ts-expect-error a balance row has no such field
    void first?.spendable;
  } else {
    const error: MintbookError = balances.error;
    const code: string = error.code;
    void code;
    if (error.code === 'token_expired') { /* get a fresh ID token and call again */ }
    // @ts-expect-error codes are the documented ones: a typo does not compile
    if (error.code === 'insuficient_funds') { /* never */ }
  }

  // A POST needs its body and an Idempotency-Key.
  const order = await api.request('place_order', {
    idempotencyKey: newIdempotencyKey(),
    body: { book: 'GOLD-CHIP', side: 'buy', type: 'limit', tif: 'gtc', quantity: 10, price: 100 },
  });
  const status: Data<'place_order'>['status'] = order.status;
  void status;

  // @ts-expect-error a mutating call without an Idempotency-Key
  await api.call('place_order', { body: { book: 'GOLD-CHIP', side: 'buy', type: 'limit',
                                          tif: 'gtc', quantity: 10, price: 100 } });
  await api.call('create_transfer', {
    idempotencyKey: 'k',
    // @ts-expect-error amounts are integers in the smallest unit, never strings
    body: { to: 'demo-bob', asset: 'CHIP', amount: '2.50' },
  });
  // @ts-expect-error a mutating call needs its body
  await api.call('create_transfer', { idempotencyKey: 'k' });
  // A GET takes typed query parameters.
  await api.call('list_transactions', { query: { asset: 'CHIP', limit: 20 } });
  // @ts-expect-error limit is a number
  await api.call('list_transactions', { query: { limit: 'twenty' } });
  // @ts-expect-error no such function
  await api.call('get_balance');
}
