/**
 * Matching a request's path against a path caveat (docs/token-format.md, section 9.3): on the path in normal form,
 * segment by segment. Browser-safe: strings only.
 */

/** The facts of a request that caveats are checked against; a fact left out meets no caveat about it. */
export interface RequestFacts {
  /** The HTTP method, upper case. */
  readonly method?: string;
  /** The request target as received (the path, and a query that is ignored), before any decoding. */
  readonly path?: string;
}

/** Whether `path` is `prefix` or below it, segment by segment: `/notes/5` is under `/notes`, `/notes5` is not. */
export function isUnder(path: string, prefix: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 0x2f);
}

/** Percent escapes that could make a router see another path than the one checked: `/`, `\`, `.`, NUL, `%`. */
const DANGEROUS_ESCAPE = /%(?:2f|5c|2e|00|25)/i;
const ESCAPE = /%(?![0-9a-f]{2})/i;

/**
 * The request's path decoded once, for matching against a path caveat, or undefined when it is not in normal form,
 * which fails the caveat: a path climbing with `.` or `..` (raw), an empty segment (`//`), a backslash, a broken
 * or dangerous percent escape (an encoded `/`, `\`, `.`, NUL or `%`, which a server, proxy or router decoding once
 * more could read as another path), or escapes that are not UTF-8. A trailing `/` is dropped. The query is ignored.
 */
export function normalisedRequestPath(target: string): string | undefined {
  let end = target.length;
  const query = target.indexOf('?');
  if (query !== -1) end = query;
  const hash = target.indexOf('#');
  if (hash !== -1 && hash < end) end = hash;
  let path = target.slice(0, end);
  if (path.charCodeAt(0) !== 0x2f || path.includes('\\')) return undefined;
  if (path.includes('%')) {
    if (ESCAPE.test(path) || DANGEROUS_ESCAPE.test(path)) return undefined;
    try {
      path = decodeURIComponent(path);
    } catch {
      return undefined;
    }
  }
  if (path.includes('//')) return undefined;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (path.includes('/./') || path.includes('/../') || path.endsWith('/.') || path.endsWith('/..')) return undefined;
  return path;
}

/**
 * Whether the request target's normalised path (`normalisedRequestPath`) is under `prefix`, a canonical prefix;
 * false when it has none. What it answers is `isUnder(normalisedRequestPath(target), prefix)`, without making a
 * string: one scan of the raw path, which is already in normal form unless it holds a `%`, a `\`, an empty segment
 * or a segment starting with `.`; only then is it normalised in full.
 */
export function isRequestPathUnder(target: string, prefix: string): boolean {
  if (target.charCodeAt(0) !== 0x2f) return false;
  let end = target.length;
  for (let i = 0; i < end; i++) {
    const code = target.charCodeAt(i);
    // Every character that matters lies below '0', but '?' and '\'.
    if (code >= 0x30 && code !== 0x3f && code !== 0x5c) continue;
    if (code === 0x3f || code === 0x23) {
      end = i;
    } else if (code === 0x25 || code === 0x5c || (code === 0x2f && isDotOrSlash(target.charCodeAt(i + 1)))) {
      const path = normalisedRequestPath(target);
      return path !== undefined && isUnder(path, prefix);
    }
  }
  // A trailing '/' is dropped ('/' alone stays).
  if (end > 1 && target.charCodeAt(end - 1) === 0x2f) end--;
  if (prefix.length === 1) return true;
  if (end < prefix.length || !target.startsWith(prefix)) return false;
  return end === prefix.length || target.charCodeAt(prefix.length) === 0x2f;
}

function isDotOrSlash(code: number): boolean {
  return code === 0x2e || code === 0x2f;
}
