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
  if (json != null && typeof json === "object" && !Array.isArray(json) && "@context" in json) {
    return structuredClone(json) as Json;
  }
  // Kept only in expanded form (an object embedded in a peer's activity): ours.
  return await plainJsonLd(value as APObject, contextLoader);
}

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
