'use client';
/** An amount with its asset's decimals (from the assets listener) and its code. */
import type { AssetInfo } from '@/lib/live';
import { formatUnits } from '@/lib/money';

export function amountText(assets: Map<string, AssetInfo>, asset: string, amount: number): string {
  return `${formatUnits(amount, assets.get(asset)?.decimals ?? 0)} ${asset}`;
}

export function AssetAmount({ assets, asset, amount, testId }: {
  assets: Map<string, AssetInfo>; asset: string; amount: number; testId?: string;
}) {
  return <span data-testid={testId}>{amountText(assets, asset, amount)}</span>;
}
