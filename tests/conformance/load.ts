/**
 * Loading a directory of payloads (the conformance harness's input) and
 * the constants the harness shares with the tests.
 *
 * `loadFixtures(dir)` walks `dir` and classifies each JSON file by its
 * `type`: a collection (`Collection`, `OrderedCollection` and their pages),
 * an activity (an ActivityStreams activity type, or any other document with
 * an `actor`, such as Lemmy's `Lock`), else an object.  The first folder
 * below `dir` is the payload's family (`lemmy-1.0`, `mastodon`, ...).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** The shared fixture set; KINDRED_FIXTURE_DIR points the suites at another. */
export const FIXTURE_DIR = process.env.KINDRED_FIXTURE_DIR ??
  new URL("../../../shared/fixtures/activitypub", import.meta.url).pathname;
/** What Lemmy sends as `@context`; its test assets leave it out. */
export const LEMMY_CONTEXT = ["https://join-lemmy.org/context.json", "https://www.w3.org/ns/activitystreams"];

export type FixtureKind = "activity" | "object" | "collection";

export interface Fixture {
  /** Path below the fixture directory, with `/`. */
  path: string;
  family: string;
  kind: FixtureKind;
  type: string;
  json: any;
}

export const AS_CONTEXT = "https://www.w3.org/ns/activitystreams";
export const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
/**
 * Served for a JSON-LD context URL that a payload names and Fedify does not
 * preload (Mbin's `https://fedia.io/contexts`): ActivityStreams, security and
 * the extension terms Mbin defines there (ContextsProvider.php).
 */
export const SYNTHESIZED_CONTEXT = {
  "@context": [AS_CONTEXT, "https://w3id.org/security/v1", {
    ostatus: "http://ostatus.org#",
    schema: "http://schema.org#",
    toot: "http://joinmastodon.org/ns#",
    pt: "https://joinpeertube.org/ns#",
    lemmy: "https://join-lemmy.org/ns#",
    Hashtag: "as:Hashtag",
    PropertyValue: "schema:PropertyValue",
    manuallyApprovesFollowers: "as:manuallyApprovesFollowers",
    sensitive: "as:sensitive",
    value: "schema:value",
    blurhash: "toot:blurhash",
    focalPoint: "toot:focalPoint",
    votersCount: "toot:votersCount",
    commentsEnabled: "pt:commentsEnabled",
    postingRestrictedToMods: "lemmy:postingRestrictedToMods",
    stickied: "lemmy:stickied",
  }],
};

const ACTIVITY_TYPES = new Set([
  "Accept", "Add", "Announce", "Arrive", "Block", "Create", "Delete", "Dislike", "EmojiReact", "Flag", "Follow",
  "Ignore", "Invite", "Join", "Leave", "Like", "Listen", "Move", "Offer", "Read", "Reject", "Remove",
  "TentativeAccept", "TentativeReject", "Travel", "Undo", "Update", "View",
]);
const COLLECTION_TYPES = new Set(["Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"]);
/** Path shapes of group actors (Lemmy /c/, Mbin /m/, lotide /communities/, NodeBB /category/). */
export const GROUP_PATH = /\/(c|m|communities|category)\/[^/]+\/?$/;

export function classify(json: any): FixtureKind {
  const type = Array.isArray(json?.type) ? json.type[0] : json?.type;
  if (COLLECTION_TYPES.has(type)) return "collection";
  if (ACTIVITY_TYPES.has(type) || json?.actor != null) return "activity";
  return "object";
}

export function loadFixtures(dir: string): Fixture[] {
  const walk = (d: string): string[] =>
    readdirSync(d).sort().flatMap((name) => {
      const path = join(d, name);
      return statSync(path).isDirectory() ? walk(path) : name.endsWith(".json") ? [path] : [];
    });
  return walk(dir).map((file) => {
    const path = relative(dir, file).split(sep).join("/");
    const json = JSON.parse(readFileSync(file, "utf8"));
    return { path, family: path.split("/")[0], kind: classify(json), type: String(json.type), json };
  });
}

