/**
 * base64url (RFC 4648 §5, without padding) for bytes: image URL signatures and list cursors.
 * Pure TypeScript, no imports (btoa/atob are global in Workers, browsers and Node).
 */

export function bytesToBase64url(bytes: Uint8Array): string {
  let bin = "";
  // In slices: spreading a large array into String.fromCharCode overflows the call stack.
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The bytes, or null when `text` is not base64url (padding is accepted but not required). */
export function base64urlToBytes(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return null;
  const unpadded = text.replace(/=+$/, "");
  if (unpadded.length % 4 === 1) return null;
  try {
    const bin = atob(
      unpadded
        .replaceAll("-", "+")
        .replaceAll("_", "/")
        .padEnd(Math.ceil(unpadded.length / 4) * 4, "="),
    );
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}
