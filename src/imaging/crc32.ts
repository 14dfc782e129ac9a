/** CRC-32 (PNG chunks, zip entries): zlib's, native in workerd and node (nodejs_compat). */
import { crc32 as zlibCrc32 } from "node:zlib";

/** CRC-32 of b[start, end). */
export function crc32(b: Uint8Array, start = 0, end = b.length): number {
  return zlibCrc32(b.subarray(start, end)) >>> 0;
}
