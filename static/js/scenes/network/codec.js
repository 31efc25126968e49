// A 28x28 digit in a URL: its 784 values quantised to bytes (value x 255, rounded), as base64url,
// about 1 KB of text. The gallery's digits come as base64 of uint8 pixels too (value = byte / 256).
export const SIDE = 28;

function toBase64Url(bytes) {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** base64 or base64url -> Uint8Array, or null when it is not that. */
export function bytesOf(text) {
  try {
    const plain = text.replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(plain + "=".repeat((4 - (plain.length % 4)) % 4)), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/** 28x28 nested values in [0, 1] -> the URL's code. */
export function encodeDigit(rows) {
  const bytes = new Uint8Array(SIDE * SIDE);
  rows.forEach((row, r) => {
    row.forEach((v, c) => {
      bytes[r * SIDE + c] = Math.max(0, Math.min(255, Math.round(v * 255)));
    });
  });
  return toBase64Url(bytes);
}

/** Bytes of a 28x28 digit -> nested rows of byte / scale; null unless there are 784 bytes. */
export function rowsOf(bytes, scale) {
  if (!bytes || bytes.length !== SIDE * SIDE) return null;
  return Array.from({ length: SIDE }, (_, r) => Array.from(bytes.subarray(r * SIDE, (r + 1) * SIDE), (b) => b / scale));
}

/** The URL's code -> 28x28 rows in [0, 1], or null. */
export const decodeDigit = (code) => rowsOf(bytesOf(code || ""), 255);
