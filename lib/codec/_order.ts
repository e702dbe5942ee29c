// Private: the deterministic order of RFC 8949 §4.2.1 (bytewise order of the encoded
// items), used by canonicalEncode for object keys, Map keys and Set elements.

/** Bytewise order of two encodings. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/** Length of the UTF-8 encoding of `s` (a lone surrogate counts 3 bytes, as U+FFFD). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n += 2; // 4 bytes for 2 code units
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

/**
 * Order of two object keys by their CBOR text encodings: UTF-8 length, then code
 * points (UTF-16 order adjusted so surrogates sort above U+E000..U+FFFF).
 */
function compareKeys(a: string, b: string): number {
  const la = a.length;
  const lb = b.length;
  let ua = la;
  let ub = lb;
  for (let i = 0; i < la; i++) {
    if (a.charCodeAt(i) >= 0x80) {
      ua = utf8Length(a);
      break;
    }
  }
  for (let i = 0; i < lb; i++) {
    if (b.charCodeAt(i) >= 0x80) {
      ub = utf8Length(b);
      break;
    }
  }
  if (ua !== ub) return ua - ub;
  const n = Math.min(la, lb);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca !== cb) {
      if (ca >= 0xd800 && cb >= 0xd800) {
        ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
        cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
      }
      return ca - cb;
    }
  }
  return la - lb;
}

/**
 * Sorts object keys in place into the order of their CBOR text encodings, without
 * encoding them. Insertion sort for the usual handful of keys.
 */
export function sortKeys(keys: string[]): void {
  const n = keys.length;
  if (n > 16) {
    keys.sort(compareKeys);
    return;
  }
  for (let i = 1; i < n; i++) {
    const k = keys[i];
    let j = i - 1;
    while (j >= 0 && compareKeys(keys[j], k) > 0) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = k;
  }
}
