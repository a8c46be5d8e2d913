/** Text for what the API sends as integers: parts per million as percent, times as local time. */
export function percentFromPpm(ppm: number): string {
  return `${(ppm / 10_000).toFixed(1)} %`;
}

export function when(value: unknown): string {
  if (!value) return '';
  const date = typeof value === 'object' && value && 'toDate' in value
    ? (value as { toDate: () => Date }).toDate() : new Date(String(value));
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}
