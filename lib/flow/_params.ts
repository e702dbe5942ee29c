/**
 * The input names of a step function, read from its destructured parameter
 * (`({ a, b = 1 }) => ...`): names, and which have defaults.
 *
 * @module
 */

/** A step's inputs as its parameter pattern tells them. */
export interface ParamNames {
  /** Every input name, in written order. */
  readonly names: readonly string[];
  /** Those with a default value (not required). */
  readonly optional: ReadonlySet<string>;
}

/**
 * Reads the destructured first parameter of a function.
 *
 * @param fn The function.
 * @returns The names, or `null` when the parameter is not an object pattern without rest.
 */
export function paramNames(fn: (...args: never[]) => unknown): ParamNames | null {
  const src = Function.prototype.toString.call(fn);
  const open = src.indexOf("(");
  if (open < 0) return null;
  let p = open + 1;
  while (/\s/.test(src[p] ?? "")) p++;
  if (src[p] !== "{") return null;
  const end = closing(src, p);
  if (end < 0) return null;
  const names: string[] = [];
  const optional = new Set<string>();
  for (const part of splitTop(src.slice(p + 1, end))) {
    const t = part.trim();
    if (t === "") continue;
    if (t.startsWith("...")) return null;
    const m = /^([A-Za-z_$][\w$]*|"[^"]*"|'[^']*')\s*(.*)$/s.exec(t);
    if (!m) return null;
    const name = m[1].replace(/^["']|["']$/g, "");
    names.push(name);
    if (/^(:[^=]*)?=/.test(m[2]) || /^:\s*[\w$]+\s*=/.test(m[2])) optional.add(name);
  }
  return { names, optional };
}

function closing(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(src, i);
      continue;
    }
    if (c === "{" || c === "[" || c === "(") depth++;
    if (c === "}" || c === "]" || c === ")") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function skipString(src: string, start: number): number {
  const q = src[start];
  for (let i = start + 1; i < src.length; i++) {
    if (src[i] === "\\") i++;
    else if (src[i] === q) return i;
  }
  return src.length;
}

function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'" || c === "`") i = skipString(s, i);
    else if (c === "{" || c === "[" || c === "(") depth++;
    else if (c === "}" || c === "]" || c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(s.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(s.slice(from));
  return parts;
}
