/** Sizes and limits in words, for the messages of image_too_large (pure). */
const KB = 1024;
const MB = 1024 * 1024;

/** "3.4 MB", "812 KB", "912 bytes". */
export function formatBytes(n: number): string {
  if (n >= MB) return `${(n / MB).toFixed(1).replace(/\.0$/, "")} MB`;
  if (n >= KB) return `${Math.round(n / KB)} KB`;
  return `${n} bytes`;
}

/** "12.0 megapixels", "3.76 megapixels" */
export function formatMegapixels(n: number): string {
  return `${(n / 1_000_000).toFixed(2).replace(/0$/, "")} megapixels`;
}

/** "8,393,608" */
export const withCommas = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** A size and its limit in words; exact numbers when rounding would make them look equal. */
export function sizeAndLimit(n: number, limit: number, format: (x: number) => string, unit: string): [string, string] {
  const a = format(n);
  const b = format(limit);
  return a === b ? [`${withCommas(n)} ${unit}`, `${b} (${withCommas(limit)} ${unit})`] : [a, b];
}
