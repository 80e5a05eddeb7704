/**
 * Instance federation policy as pure rules: which remote servers this
 * instance federates with, and what it does with their content.  No
 * database, no I/O: federation/instance-policy.ts loads the rules and
 * caches them.
 *
 * A rule names a domain in one of two forms:
 * - `host` (e.g. `example.org`): that host and every subdomain of it, on
 *   any port;
 * - `host:port` (e.g. `127.0.0.1:3001`): that exact authority only (a URL
 *   without a port has its scheme's default port, 443 or 80).
 */

export const FEDERATION_MODES = ["open", "allowlist", "closed"] as const;
export type FederationMode = (typeof FEDERATION_MODES)[number];

/**
 * - `block`: nothing in, nothing out;
 * - `allow`: listed for allowlist mode;
 * - `limit`: accepted, but our groups do not pass their activities on;
 * - `reject_media`: images and attachments in their content are dropped;
 * - `partner`: may receive private-group content (stored; private groups come next).
 */
export const DOMAIN_ACTIONS = ["block", "allow", "limit", "reject_media", "partner"] as const;
export type DomainAction = (typeof DOMAIN_ACTIONS)[number];

export interface DomainRule {
  domain: string;
  action: DomainAction;
}

export interface FederationPolicy {
  mode: FederationMode;
  rules: readonly DomainRule[];
}

const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The canonical form of a domain typed by an admin (`Example.org`,
 * `https://example.org/`, `127.0.0.1:3001`), or null when it is not one.
 */
export function normalizeDomain(input: string): string | null {
  let text = input.trim().toLowerCase();
  if (text === "") return null;
  text = text.replace(/^[a-z][a-z0-9+.-]*:\/\//, "").replace(/[/?#].*$/, "").replace(/\.$/, "");
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(text);
  if (!match || !HOST.test(match[1]) || match[1].length > 253) return null;
  if (match[2] != null) {
    const port = Number(match[2]);
    if (port < 1 || port > 65535) return null;
    return `${match[1]}:${port}`;
  }
  return match[1];
}

function defaultPort(protocol: string): string {
  return protocol === "http:" ? "80" : "443";
}

/** Whether a rule's domain covers the server of `url`. */
export function ruleCovers(domain: string, url: URL): boolean {
  const [host, port] = domain.split(":");
  const hostname = url.hostname.toLowerCase().replace(/\.$/, "");
  if (port != null) return hostname === host && (url.port || defaultPort(url.protocol)) === port;
  return hostname === host || hostname.endsWith(`.${host}`);
}

/** The actions that rules set for the server of `url`. */
export function actionsFor(policy: FederationPolicy, url: URL): Set<DomainAction> {
  const found = new Set<DomainAction>();
  for (const rule of policy.rules) if (ruleCovers(rule.domain, url)) found.add(rule.action);
  return found;
}

/**
 * Whether this instance exchanges anything with the server of `url`:
 * never in closed mode or with a blocked domain; in allowlist mode only
 * with domains marked `allow` (or `partner`, which implies it).
 */
export function mayFederate(policy: FederationPolicy, url: URL): boolean {
  if (policy.mode === "closed") return false;
  const actions = actionsFor(policy, url);
  if (actions.has("block")) return false;
  if (policy.mode === "allowlist") return actions.has("allow") || actions.has("partner");
  return true;
}

const MEDIA_LINK = /<a\b[^>]*\bhref="[^"]*\.(?:png|jpe?g|gif|webp|avif|heic|svg|bmp|tiff?|mp4|m4v|webm|mov|ogv|mp3|m4a|ogg|oga|opus|wav|flac)(?:[?#][^"]*)?"[^>]*>([\s\S]*?)<\/a\s*>/gi;

/**
 * Removes images and media from sanitised HTML, for servers marked
 * `reject_media`: media elements (`<img>`, `<picture>`, `<video>`,
 * `<audio>`, `<source>`) and links to image, video or audio files (how
 * attachments show in a post's text), whose text is kept.
 */
export function stripMedia(html: string): string {
  return html
    .replace(/<(video|audio|picture)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/<(img|source|video|audio|picture)\b[^>]*>/gi, "")
    .replace(MEDIA_LINK, "$1");
}
