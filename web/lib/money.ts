/**
 * Amounts are integers in an asset's smallest unit, as the API sends them; these turn them into
 * text with the asset's decimals and back, with no floating point (so 0.1 + 0.2 never shows).
 */
export function formatUnits(amount: number, decimals: number): string {
  const sign = amount < 0 ? '-' : '';
  const digits = Math.abs(amount).toString().padStart(decimals + 1, '0');
  if (decimals === 0) return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const whole = digits.slice(0, -decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${whole}.${digits.slice(-decimals)}`;
}

/** "12.5" with 2 decimals is 1250; null when the text is not a positive amount in that form. */
export function parseUnits(text: string, decimals: number): number | null {
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (!match || (match[2] ?? '').length > decimals) return null;
  const units = Number(match[1] + (match[2] ?? '').padEnd(decimals, '0'));
  return Number.isSafeInteger(units) && units > 0 ? units : null;
}

/** A price in a currency's minor unit (Stripe's amount), e.g. 999 USD is "$9.99". */
export function formatPrice(amount: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() })
    .format(amount / 100);
}

/** The fee on `amount` at `rateBps`, rounded up to the smallest unit, as the ledger charges it
 * (shared/domain/money.py fee_for); BigInt, so amount x rate never loses precision. */
export function feeFor(amount: number, rateBps: number): number {
  const product = BigInt(amount) * BigInt(rateBps);
  return Number((product + 9999n) / 10000n);
}
