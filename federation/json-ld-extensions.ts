/**
 * Writing terms that Fedify's vocabulary lacks (Lemmy's
 * `postingRestrictedToMods`, ...).  Fedify serialises an object through
 * `toJsonLd()`, which returns the object's cached JSON-LD when it has one;
 * we compute the standard form once, add our terms with their context, and
 * store the result as that cache.  See docs/ARCHITECTURE.md ("Vocabulary").
 */
import type { DocumentLoader, Object as APObject } from "@fedify/vocab";

/** JSON-LD term definitions for the extension properties we write. */
export const EXTENSION_CONTEXT = {
  lemmy: "https://join-lemmy.org/ns#",
  sensitive: "as:sensitive",
  postingRestrictedToMods: "lemmy:postingRestrictedToMods",
  moderators: { "@id": "lemmy:moderators", "@type": "@id" },
  stickied: "lemmy:stickied",
  distinguished: "lemmy:distinguished",
  locked: "lemmy:locked",
} as const;

/**
 * Returns `object` with `extra` properties added to its JSON-LD form.
 * `extra` keys must be terms defined in EXTENSION_CONTEXT.
 */
export async function withExtensions<T extends APObject>(
  object: T,
  extra: Record<string, unknown>,
  contextLoader?: DocumentLoader,
): Promise<T> {
  // No `format`: Fedify's own fast compaction, the same form it would serve.
  const json = await object.toJsonLd({ contextLoader }) as Record<string, unknown>;
  const context = Array.isArray(json["@context"]) ? json["@context"] : [json["@context"]];
  json["@context"] = [...context, EXTENSION_CONTEXT];
  Object.assign(json, extra);
  (object as unknown as { _cachedJsonLd: unknown })._cachedJsonLd = json;
  return object;
}
