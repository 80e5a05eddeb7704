/**
 * Rewriting fixture payloads for a live test.
 *
 * Every origin a payload names (in ids, addressing, links, HTML content)
 * moves to a stub server on 127.0.0.1, one port per original host, and under
 * a path prefix per scenario (`/s7/...`), so that two scenarios never share
 * an id and each starts from a clean slate on the same Kindred instance.
 * `http://` and `https://` forms of a host are the same origin (the Lemmy
 * assets mix them).  URIs that stand for the Kindred side of a scenario (a
 * local group or member) are mapped, with everything below them, to the
 * instance under test instead.
 *
 * Hosts that only name vocabularies (JSON-LD contexts and namespaces Fedify
 * knows, `as:Public`) are left alone.
 */

/** Hosts of vocabularies and preloaded JSON-LD contexts: never rewritten. */
export const VOCABULARY_HOSTS = new Set([
  "www.w3.org",
  "w3id.org",
  "join-lemmy.org",
  "joinmastodon.org",
  "ostatus.org",
  "schema.org",
  "purl.org",
  "purl.archive.org",
  "litepub.social",
  "gotosocial.org",
  "misskey-hub.net",
]);

const URL_PATTERN = /https?:\/\/([A-Za-z0-9.-]+(?::\d+)?)([^\s"'<>]*)/g;

export interface LocalMapping {
  /** Scheme-less original prefix, e.g. `enterprise.lemmy.ml/c/main`. */
  prefix: string;
  /** The Kindred actor it becomes, e.g. `http://127.0.0.1:4001/@s7-main`. */
  target: string;
}

export interface RewriteMap {
  /** Scenario prefix, e.g. `s7`. */
  ns: string;
  /** Original host (lower case, with port if any) → stub port. */
  ports: ReadonlyMap<string, number>;
  local: readonly LocalMapping[];
}

/** `https://Host:1/x` → `host:1/x`. */
export function schemeless(uri: string): string {
  const m = /^https?:\/\/([^/]+)(.*)$/.exec(uri);
  return m ? `${m[1].toLowerCase()}${m[2]}` : uri;
}

/** Every non-vocabulary host named anywhere in `value` (strings, deeply). */
export function hostsIn(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === "string") {
    for (const m of value.matchAll(URL_PATTERN)) {
      const host = m[1].toLowerCase();
      if (!VOCABULARY_HOSTS.has(host)) into.add(host);
    }
  } else if (Array.isArray(value)) {
    for (const v of value) hostsIn(v, into);
  } else if (value && typeof value === "object") {
    for (const v of Object.values(value)) hostsIn(v, into);
  }
  return into;
}

export function rewriteString(s: string, map: RewriteMap): string {
  return s.replace(URL_PATTERN, (whole, rawHost: string, path: string) => {
    const host = rawHost.toLowerCase();
    if (VOCABULARY_HOSTS.has(host)) return whole;
    const key = host + path;
    for (const { prefix, target } of map.local) {
      if (key === prefix || key.startsWith(`${prefix}/`) || key.startsWith(`${prefix}#`)) {
        return target + key.slice(prefix.length);
      }
    }
    const port = map.ports.get(host);
    if (port == null) throw new Error(`no stub server for ${host} (in ${whole})`);
    return `http://127.0.0.1:${port}/${map.ns}${path}`;
  });
}

/** A deep copy of `value` with every string rewritten. */
export function rewriteDoc<T>(value: T, map: RewriteMap): T {
  if (typeof value === "string") return rewriteString(value, map) as T;
  if (Array.isArray(value)) return value.map((v) => rewriteDoc(v, map)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteDoc(v, map)])) as T;
  }
  return value;
}

/** The scenario prefix of a stub URL removed (`…/s7/u/x` → `…/u/x`). */
export function withoutNamespace(url: string): string {
  return url.replace(/^(http:\/\/127\.0\.0\.1:\d+)\/s\d+(?=\/|$|#)/, "$1");
}

/** Values of an id-valued property as strings (a string, an object's id, or a list of either). */
export function idsOf(value: unknown): string[] {
  if (value == null) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(idsOf);
  if (typeof value === "object" && typeof (value as { id?: unknown }).id === "string") {
    return [(value as { id: string }).id];
  }
  return [];
}
