/**
 * A delivery that waited (a retry, or held by Fedify's circuit breaker) of a
 * post's creation or edit must not go out once the post was deleted or
 * removed: its `Delete` may have gone out already, and the late `Create`
 * would bring the post back on the receiving server.  Checked for every
 * retried delivery (federation/group-fanout.ts, `GroupFanoutQueue`).
 */
import type { Kysely } from "kysely";
import { findPostByUri } from "../db/posts.ts";
import type { Schema } from "../db/schema.ts";

/**
 * The id of the post an activity creates or edits: `Create` or `Update`,
 * or an `Announce` of one of them or of the post itself.
 */
function postCreatedBy(json: Record<string, unknown>, depth = 0): string | undefined {
  const { type, object, id } = json;
  if (depth > 0 && POST_TYPES.includes(String(type))) return typeof id === "string" ? id : undefined;
  const wraps = type === "Create" || type === "Update" || (type === "Announce" && depth === 0);
  if (!wraps || object == null || typeof object !== "object" || depth > 1) return undefined;
  return postCreatedBy(object as Record<string, unknown>, depth + 1);
}

const POST_TYPES = ["Page", "Note", "Article", "Question"];

/**
 * Whether the post `activity` creates or edits was deleted or removed since.
 * A post we do not store (a poll vote is a `Create(Note)` too) goes out.
 */
export async function overtaken(db: Kysely<Schema>, activity: Record<string, unknown>): Promise<boolean> {
  const postUri = postCreatedBy(activity);
  if (!postUri) return false;
  const post = await findPostByUri(db, postUri);
  return post != null && (post.deleted_at != null || post.removed_at != null);
}
