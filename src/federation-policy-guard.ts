/**
 * The instance federation policy at the HTTP layer, before Fedify parses or
 * verifies anything:
 * - an inbox POST whose signature names a key on a server the policy
 *   excludes (blocked, not on the allowlist, closed mode) is answered 403;
 * - an ActivityPub GET signed with such a key is answered 403;
 * - in secure mode (`SECURE_MODE=true`) an ActivityPub GET without a valid
 *   signature is answered 401, except for actor documents, which peers
 *   fetch (usually unsigned) to get the keys that verify our signatures.
 *
 * The key id is read from the `Signature` (draft-cavage) or
 * `Signature-Input` (RFC 9421) header.  Claiming another server's key id
 * gets a blocked server nowhere: Fedify then checks the signature against
 * that key and refuses it.  WebFinger and NodeInfo requests carry no
 * identity, so they are not covered (docs/FEDERATION.md).
 */
import { type Federation, type KeyCache, verifyRequest } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { Context, MiddlewareHandler } from "hono";
import { type ContextData, INSTANCE_ACTOR } from "../federation/context.ts";
import { mayFederateWith } from "../federation/instance-policy.ts";
import { isDefaultInboxPath } from "./inbound-guard.ts";

const logger = getLogger(["kindred", "http", "federation-policy"]);

/** The key id a request's HTTP signature names, if any. */
export function signatureKeyId(headers: Headers): string | null {
  // RFC 9421 sends both `Signature-Input` (with the key id) and `Signature`
  // (only the signature bytes); draft-cavage sends `Signature` alone.
  const input = headers.get("signature-input");
  const match = input != null
    ? /;\s*keyid\s*=\s*"([^"]+)"/i.exec(input)
    : /(?:^|,)\s*keyId\s*=\s*"([^"]+)"/i.exec(headers.get("signature") ?? "");
  return match ? match[1] : null;
}

/** Whether a GET asks for ActivityPub JSON rather than a web page. */
export function wantsActivityPub(headers: Headers): boolean {
  const accept = headers.get("accept") ?? "";
  return /application\/activity\+json|application\/ld\+json/i.test(accept);
}

function isActorDocument(path: string): boolean {
  return /^\/@[^/]+\/?$/.test(path);
}

function refuse(c: Context, status: 401 | 403, error: string, detail: string): Response {
  logger.info("Refused {method} {path} with {status}: {detail}", {
    method: c.req.method,
    path: c.req.path,
    status,
    detail,
  });
  return c.json({ error }, status);
}

const KEY_TTL_MS = 60 * 60 * 1000;
const UNAVAILABLE_TTL_MS = 60 * 1000;
const MAX_KEYS = 5000;

/** Public keys of peers that signed GETs, kept an hour (a failed fetch a minute). */
function memoryKeyCache(): KeyCache {
  type Key = NonNullable<Awaited<ReturnType<KeyCache["get"]>>>;
  const entries = new Map<string, { key: Key | null; expires: number }>();
  return {
    get(keyId) {
      const entry = entries.get(keyId.href);
      if (!entry || entry.expires < Date.now()) {
        entries.delete(keyId.href);
        return Promise.resolve(undefined);
      }
      return Promise.resolve(entry.key);
    },
    set(keyId, key) {
      if (entries.size >= MAX_KEYS) entries.delete(entries.keys().next().value!);
      entries.set(keyId.href, { key, expires: Date.now() + (key ? KEY_TTL_MS : UNAVAILABLE_TTL_MS) });
      return Promise.resolve();
    },
  };
}

export interface FederationPolicyGuardOptions {
  federation: Federation<ContextData>;
  contextData: ContextData;
  secureMode: boolean;
}

/** The keys this process fetched for signed GETs (this guard, the group directory document). */
export const sharedKeyCache: KeyCache = memoryKeyCache();

/** Hono middleware; mount it before the inbound guard and Fedify. */
export function federationPolicyGuard(options: FederationPolicyGuardOptions): MiddlewareHandler {
  const { federation, contextData, secureMode } = options;
  const keyCache = sharedKeyCache;
  return async (c, next) => {
    const method = c.req.method;
    const inboxPost = method === "POST" && isDefaultInboxPath(c.req.path);
    const apGet = (method === "GET" || method === "HEAD") && wantsActivityPub(c.req.raw.headers) &&
      !c.req.path.startsWith("/.well-known/") && !c.req.path.startsWith("/nodeinfo/");
    if (!inboxPost && !apGet) return next();

    const keyId = signatureKeyId(c.req.raw.headers);
    // A key id that is no URL is left to the inbound guard (401, malformed).
    if (keyId != null && URL.canParse(keyId) && !await mayFederateWith(contextData.db, keyId)) {
      return refuse(c, 403, "This instance does not federate with your server.", `key ${keyId}`);
    }
    if (apGet && secureMode && !isActorDocument(c.req.path)) {
      // Fedify verifies the signature (fetching the key if needed).
      const ctx = federation.createContext(c.req.raw, contextData);
      // The key is fetched signed by our instance actor: the peer may be in
      // secure mode too (actor documents, where keys live, are exempt on
      // both sides, so this never loops).  Keys are cached a while (Fedify
      // fetches afresh when a cached key does not verify).
      const key = keyId == null ? null : await verifyRequest(c.req.raw, {
        documentLoader: await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR }),
        contextLoader: ctx.contextLoader,
        keyCache,
      }).catch(() => null);
      if (key == null) {
        return refuse(c, 401, "This instance requires signed requests (secure mode).", "unsigned or bad signature");
      }
    }
    return next();
  };
}
