/**
 * Private to lib/transport: OpenSSH host patterns (`*`, `?`, `!negation`, lists), as
 * match.c has them: matching is case-sensitive, and where OpenSSH lowercases (known_hosts,
 * `Match host`) it lowercases the patterns, not the name.
 *
 * @module
 */

/**
 * Whether one glob pattern (`*` any run, `?` one character) matches a name, case-sensitively
 * (OpenSSH's `match_pattern`).
 *
 * @param pattern The pattern, without a leading `!`.
 * @param name The name.
 * @returns Whether it matches.
 */
export function globMatch(pattern: string, name: string): boolean {
  const p = pattern;
  const s = name;
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
 * Whether the patterns of a `Host` line match a name: at least one plain pattern matches
 * and no negated (`!pattern`) one does; case-sensitive, each argument one pattern.
 *
 * @param patterns The patterns.
 * @param name The host as typed.
 * @returns Whether the line matches.
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

/**
 * OpenSSH's `match_pattern_list`: a comma-separated list of patterns matches a name when a
 * plain one matches and no negated one does. With `lowerPatterns` (known_hosts names,
 * `Match host`, `IgnoreUnknown`) the patterns are lowercased first; the name is not.
 *
 * @param name The name.
 * @param list `a,b*,!c`.
 * @param lowerPatterns Lowercase the patterns.
 * @returns Whether the list matches.
 */
export function matchPatternList(name: string, list: string, lowerPatterns: boolean): boolean {
  const patterns = list.split(",").map((p) => lowerPatterns ? p.toLowerCase() : p);
  return patternListMatch(patterns, name);
}
