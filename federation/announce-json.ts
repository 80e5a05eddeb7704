/**
 * The JSON of a group's `Announce` (FEP-1b12), written by hand.
 *
 * Fedify's `Announce.toJsonLd()` expands the whole announced activity and
 * compacts it again with jsonld.js, which cost a few milliseconds of CPU
 * for every `Announce` — two per accepted post or reply.  The wrapper needs
 * no JSON-LD processing: its terms are ActivityStreams' own, and the
 * announced activity goes inside unchanged, as its author's server sent it
 * (or as we serve it, for our own members' activities), with its own
 * `@context`, which JSON-LD scopes to that embedded node, so nothing in it
 * can redefine the wrapper's terms.
 */
import type { Activity, Object as APObject } from "@fedify/vocab";
import type { DocumentLoader } from "@fedify/vocab";
import type { Actor } from "../db/schema.ts";
import { groupAudience } from "./audience.ts";
import { plainJsonLd } from "./json-ld-extensions.ts";

type Json = Record<string, unknown>;

const AS_CONTEXT = "https://www.w3.org/ns/activitystreams";

/**
 * An activity or object as JSON with its `@context`: what a peer sent,
 * for what was parsed from a peer's document (Fedify keeps it), or our own
 * serialisation.
 */
async function documentOf(value: Activity | APObject, contextLoader?: DocumentLoader): Promise<Json> {
  const json = await value.toJsonLd({ contextLoader });
  if (json != null && typeof json === "object" && !Array.isArray(json) && plainContext((json as Json)["@context"])) {
    return structuredClone(json) as Json;
  }
  // Kept only in expanded form (an object embedded in a peer's activity): ours.
  return await plainJsonLd(value as APObject, contextLoader);
}

/** Contexts receivers know (most preload them), fetched from nowhere new. */
const KNOWN_CONTEXTS = new Set([
  AS_CONTEXT,
  "https://w3id.org/security/v1",
  "https://w3id.org/security/data-integrity/v1",
  "https://w3id.org/security/multikey/v1",
  "https://w3id.org/identity/v1",
  "https://www.w3.org/ns/did/v1",
  "https://gotosocial.org/ns",
  "https://join-lemmy.org/context.json",
]);

const AS_NS = "https://www.w3.org/ns/activitystreams#";

/**
 * Whether a document's `@context` lets it be passed on as it came.  Lemmy,
 * Mastodon and the like read the literal keys, not the JSON-LD meaning,
 * while the group's checks (audience, moderation) read the meaning that
 * Fedify parsed: an inline definition that gave an ActivityStreams term
 * another meaning (`"to": "https://evil.example/ns#to"`), or an alias of
 * one (`"recipients": "as:to"`), would let the two differ.  Such a
 * document, or one naming a context outside KNOWN_CONTEXTS (which every
 * receiver would then fetch, learning who gets the group's posts), is
 * serialised afresh instead.
 */
export function plainContext(context: unknown): boolean {
  if (context == null) return false;
  for (const entry of Array.isArray(context) ? context : [context]) {
    if (typeof entry === "string") {
      if (!KNOWN_CONTEXTS.has(entry)) return false;
      continue;
    }
    if (entry == null || typeof entry !== "object" || Array.isArray(entry)) return false;
    for (const [term, definition] of Object.entries(entry as Json)) {
      if (term.startsWith("@")) return false;
      const id = typeof definition === "string"
        ? definition
        : definition && typeof definition === "object" ? (definition as Json)["@id"] : undefined;
      if (typeof id !== "string") return false;
      const iri = id.startsWith("as:") ? AS_NS + id.slice(3) : id;
      // A term of the ActivityStreams vocabulary may only name itself (or be a known alias).
      const named = KNOWN_ALIASES[term] ?? term;
      if (iri.startsWith(AS_NS) ? iri !== AS_NS + named : AS_TERMS.has(term)) return false;
    }
  }
  return true;
}

/** Aliases in wide use that mean what they say: Lemmy 0.19's `expires` for `endTime` (ours too). */
const KNOWN_ALIASES: Record<string, string> = { expires: "endTime" };

/** ActivityStreams terms (and JSON-LD's aliases of `@id` and `@type`) receivers read literally. */
const AS_TERMS = new Set([
  "id", "type", "actor", "object", "target", "origin", "result", "instrument", "to", "cc", "bto", "bcc",
  "audience", "content", "contentMap", "name", "nameMap", "summary", "summaryMap", "attributedTo",
  "inReplyTo", "context", "url", "href", "published", "updated", "deleted", "startTime", "endTime",
  "tag", "attachment", "image", "icon", "mediaType", "source", "replies", "oneOf", "anyOf", "closed",
  "generator", "location", "preview", "likes", "shares", "sensitive", "formerType", "describes",
  "first", "last", "current", "next", "prev", "partOf", "items", "orderedItems", "totalItems",
  "followers", "following", "inbox", "outbox", "liked", "endpoints", "preferredUsername",
]);

/** The JSON of each `Announce` a group sends for `activity` (and `object`, announced on its own). */
export async function announceDocuments(
  group: Pick<Actor, "uri" | "followers_url" | "visibility">,
  ids: URL[],
  // A URL: an activity Fedify cannot write (Lemmy's Lock), announced by its id.
  activity: Activity | URL,
  object: APObject | undefined,
  contextLoader?: DocumentLoader,
): Promise<Json[]> {
  if (activity instanceof URL) return [wrap(group, ids[0], activity.href)];
  const inner = await documentOf(activity, contextLoader);
  const objects = [inner];
  if (object) {
    // The object as it is embedded in the activity, in the activity's context.
    const embedded = inner.object;
    if (embedded && typeof embedded === "object" && !Array.isArray(embedded) &&
      (embedded as Json).id === object.id?.href) {
      objects.push({ "@context": inner["@context"], ...(embedded as Json) });
    } else {
      objects.push(await documentOf(object, contextLoader));
    }
  }
  return objects.map((announced, n) => wrap(group, ids[n], announced));
}

function wrap(group: Pick<Actor, "uri" | "followers_url" | "visibility">, id: URL, object: unknown): Json {
  const { tos, ccs, audience } = groupAudience(group, "announce");
  return {
    "@context": AS_CONTEXT,
    id: id.href,
    type: "Announce",
    actor: group.uri,
    object,
    to: tos.map((u) => u.href),
    cc: ccs.map((u) => u.href),
    audience: audience.href,
  };
}
