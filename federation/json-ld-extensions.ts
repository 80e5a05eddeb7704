/**
 * The JSON we serve ourselves, readable by plain-JSON parsers (Lemmy,
 * PieFed) as well as JSON-LD processors (Mastodon, Mbin, Fedify).
 *
 * Fedify's own compaction writes some terms as compact IRIs (`as:Public`,
 * `as:sensitive`) and has no terms for Lemmy's extensions
 * (`postingRestrictedToMods`, ...).  We serialise the Fedify object once,
 * spell those out with their JSON-LD definitions, and store the result as
 * the object's cached JSON-LD, which is what Fedify serves.  See
 * docs/ARCHITECTURE.md ("Vocabulary").
 */
import type { DocumentLoader, Object as APObject } from "@fedify/vocab";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

/** JSON-LD term definitions for the extension properties we write. */
export const EXTENSION_CONTEXT = {
  lemmy: "https://join-lemmy.org/ns#",
  sensitive: "as:sensitive",
  postingRestrictedToMods: "lemmy:postingRestrictedToMods",
  moderators: { "@id": "lemmy:moderators", "@type": "@id" },
  stickied: "lemmy:stickied",
  distinguished: "lemmy:distinguished",
  locked: "lemmy:locked",
  pt: "https://joinpeertube.org/ns#",
  commentsEnabled: "pt:commentsEnabled",
  // Bans (Lemmy): `expires` is Lemmy 0.19's name for `endTime`.
  removeData: "lemmy:removeData",
  expires: "as:endTime",
  // Kindred's own (docs/FEDERATION.md, "Caregivers"): a member's badge, whom a group is for, its caregivers' space.
  kindred: "https://w3id.org/kindred/ns#",
  memberType: "kindred:memberType",
  intendedFor: "kindred:intendedFor",
  caregiversSpace: { "@id": "kindred:caregiversSpace", "@type": "@id" },
  // Condition tags on groups (as Mastodon defines it): written `Hashtag`, not `as:Hashtag`.
  Hashtag: "as:Hashtag",
} as const;

const ADDRESS_KEYS = ["to", "cc", "bto", "bcc", "audience"];

type Json = Record<string, unknown>;

/** Spells out `as:Public` and `as:sensitive`, here and in embedded objects. */
export function plainTerms(json: Json): Json {
  for (const key of ADDRESS_KEYS) {
    const value = json[key];
    if (value === "as:Public") json[key] = PUBLIC;
    else if (Array.isArray(value)) json[key] = value.map((v) => (v === "as:Public" ? PUBLIC : v));
  }
  const tags = json.tag;
  for (const tag of Array.isArray(tags) ? tags : [tags]) {
    if (tag && typeof tag === "object" && (tag as Json).type === "as:Hashtag") (tag as Json).type = "Hashtag";
  }
  if ("as:sensitive" in json) {
    json.sensitive = json["as:sensitive"];
    delete json["as:sensitive"];
  }
  for (const key of ["object", "orderedItems", "items"]) {
    const value = json[key];
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item && typeof item === "object") plainTerms(item as Json);
    }
  }
  return json;
}

/** Adds our term definitions to a document's `@context`. */
export function withExtensionContext(json: Json): Json {
  const context = json["@context"];
  const list = Array.isArray(context) ? context : context == null ? [] : [context];
  json["@context"] = [...list, EXTENSION_CONTEXT];
  return json;
}

/** The JSON we write for `object`: plain terms, our context, and `extra`. */
export async function plainJsonLd(
  object: APObject,
  contextLoader?: DocumentLoader,
  extra: Record<string, unknown> = {},
): Promise<Json> {
  // No `format`: Fedify's own fast compaction, the form it would serve.
  const json = await object.toJsonLd({ contextLoader }) as Json;
  return Object.assign(withExtensionContext(plainTerms(json)), extra);
}

/**
 * Returns `object`, serving as `plainJsonLd(object, extra)`.  `extra` keys
 * must be terms defined in EXTENSION_CONTEXT.
 */
export async function withExtensions<T extends APObject>(
  object: T,
  extra: Record<string, unknown>,
  contextLoader?: DocumentLoader,
): Promise<T> {
  const json = await plainJsonLd(object, contextLoader, extra);
  (object as unknown as { _cachedJsonLd: unknown })._cachedJsonLd = json;
  return object;
}
