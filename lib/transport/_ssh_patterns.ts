/**
 * Private to lib/transport: OpenSSH host patterns (`*`, `?`, `!negation`, lists), shared by
 * the client config (`Host`) and known_hosts files.
 *
 * @module
 */

/**
 * Whether one glob pattern (`*` any run, `?` one character) matches a name, ignoring case.
 *
 * @param pattern The pattern, without a leading `!`.
 * @param name The name.
 * @returns Whether it matches.
 */
export function globMatch(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const s = name.toLowerCase();
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < p.length && (p[pi] === "?" || p[pi] === s[si])) {
      pi++;
      si++;
    } else if (pi < p.length && p[pi] === "*") {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === "*") pi++;
  return pi === p.length;
}

/**
 * Whether a list of patterns matches a name the OpenSSH way: at least one plain pattern
 * matches and no negated (`!pattern`) one does.
 *
 * @param patterns The patterns of one `Host` line or one known_hosts entry.
 * @param name The name.
 * @returns Whether the list matches.
 */
export function patternListMatch(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith("!")) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}
