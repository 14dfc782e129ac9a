/**
 * The one id generator: upload ids and photo version ids. Pure TypeScript, no imports (Web Crypto
 * is global in Workers, browsers and Node).
 */

/**
 * A time-sortable id: the creation time in base 36 (9 characters, so ids sort by time as strings
 * until the year 5188), then `randomBytes` random bytes as 2 base-36 characters each.
 */
export function timeSortableId(randomBytes: number, nowMs = Date.now()): string {
  const rand = crypto.getRandomValues(new Uint8Array(randomBytes));
  return `${nowMs.toString(36).padStart(9, "0")}${Array.from(rand, (b) => b.toString(36).padStart(2, "0")).join("")}`;
}
