/**
 * What happens to a new post in a local group before anyone sees it:
 * the group's pre-moderation rules (keyword, link count, link domain), the
 * newcomer rule (hold the first N posts of a new member), and crisis
 * language (never blocks a post: its author is shown help at once and the
 * moderators get a high-priority report).  Posts in remote groups are
 * moderated by the group's own server; only the crisis check applies.
 */
import type { Kysely } from "kysely";
import { findGroupById, isGroupModerator } from "../db/groups.ts";
import { raiseCrisisReport } from "../db/crisis.ts";
import { countPublishedPosts, listPremodRules, notifyPostHeld } from "../db/premoderation.ts";
import type { Actor, Post, Schema } from "../db/schema.ts";
import { type CrisisMatch, detectCrisis } from "../policy/crisis.ts";
import { evaluatePremod, holdsNewcomer } from "../policy/premoderation.ts";

export interface PostText {
  title?: string | null;
  /** Markdown source, or the text of remote HTML. */
  text: string;
  html?: string;
}

export interface Screening {
  action: "publish" | "hold" | "reject";
  /** Why, in words for the author and the moderators (empty when published). */
  reasons: string[];
  crisis: CrisisMatch | null;
}

export async function screenPost(db: Kysely<Schema>, group: Actor, authorId: number, post: PostText): Promise<Screening> {
  const crisis = detectCrisis([post.title ?? "", post.text].join("\n"));
  const published: Screening = { action: "publish", reasons: [], crisis };
  if (!group.local || group.group_id == null) return published;
  // A group's moderators are trusted with their own words.
  if (await isGroupModerator(db, group.id, authorId)) return published;
  const rules = await listPremodRules(db, group.group_id);
  const verdict = evaluatePremod({ title: post.title, text: post.text, html: post.html }, rules);
  const reasons = verdict.matched.map(({ rule, found }) => describe(rule.kind, found));
  if (verdict.action !== "publish") return { action: verdict.action, reasons, crisis };
  const settings = await findGroupById(db, group.group_id);
  const firstPostsHeld = settings?.hold_first_posts ?? 0;
  if (firstPostsHeld > 0 && holdsNewcomer(await countPublishedPosts(db, group.id, authorId), firstPostsHeld)) {
    const which = firstPostsHeld === 1 ? "the first post of a new member is" : `the first ${firstPostsHeld} posts of a new member are`;
    return { action: "hold", reasons: [`${which} reviewed`], crisis };
  }
  return published;
}

function describe(kind: string, found: string): string {
  if (kind === "keyword") return `it contains “${found}”`;
  if (kind === "link_domain") return `it links to ${found}`;
  return `it has ${found} links`;
}

/**
 * What a screened post sets off once it is stored: moderators are told of a
 * held post, and of crisis language at high priority.
 */
export async function afterScreening(db: Kysely<Schema>, group: Actor, post: Post, screening: Screening): Promise<void> {
  if (!group.local) return;
  if (post.review_state === "held") await notifyPostHeld(db, group.id, post.id);
  if (screening.crisis) {
    await raiseCrisisReport(db, {
      groupActorId: group.id,
      postId: post.id,
      authorId: post.author_id,
      comment: `Raised automatically: the post matches crisis language (“${screening.crisis.phrases.join("”, “")}”).`,
    });
  }
}
