/** JSON shapes of the API. */
import type { Actor, MemberType } from "../../db/schema.ts";
import type { PostView } from "../../db/posts.ts";
import type { ReportView } from "../../db/reports.ts";
import type { DirectoryEntry } from "../../db/web-groups.ts";

export function actorJson(actor: Actor) {
  return {
    id: actor.id,
    uri: actor.uri,
    type: actor.type,
    handle: `@${actor.username}@${actor.host}`,
    name: actor.name,
    local: actor.local,
    summary: actor.summary_html,
    approvalRequired: actor.manually_approves_followers,
    visibility: actor.visibility,
  };
}

/** A group in the directory (`GET /groups`); `id` addresses it in the other calls. */
export function directoryJson(g: DirectoryEntry) {
  return {
    id: g.actor_id,
    slug: g.slug,
    name: g.name,
    summary: g.summary_html,
    joinPolicy: g.join_policy,
    visibility: g.visibility,
    audience: g.audience,
    members: g.member_count,
    conditionTags: g.condition_tags,
    languages: g.languages,
  };
}

/**
 * A post; a removed one shows its content to moderators only (`moderator`).
 * `newcomers`: authors new in the group (src/onboarding.ts), `author.newHere`;
 * `memberTypes`: the badge each author shows in the group (`author.memberType`).
 */
export function postJson(post: PostView, moderator = false, newcomers?: Set<number>, memberTypes?: Map<number, MemberType>) {
  const hidden = post.removed_at != null && !moderator;
  return {
    id: post.id,
    uri: post.uri,
    groupUri: post.group_uri,
    author: {
      uri: post.author_uri,
      handle: `@${post.author_username}@${post.author_host}`,
      name: post.author_name,
      newHere: newcomers?.has(post.author_id) ?? false,
      memberType: memberTypes?.get(post.author_id) ?? null,
    },
    parentId: post.parent_id,
    threadId: post.thread_id ?? post.id,
    depth: post.depth,
    title: post.title,
    contentHtml: hidden ? "" : post.content_html,
    source: hidden ? null : post.source,
    summary: post.summary,
    sensitive: post.sensitive,
    published: post.published_at.toISOString(),
    updated: post.updated_at?.toISOString() ?? null,
    deleted: post.deleted_at != null,
    /** "published", or "held" for review / "rejected" (seen by the author and moderators only). */
    reviewState: post.review_state,
    replyCount: post.reply_count,
    likes: post.like_count,
    dislikes: post.dislike_count,
    removed: post.removed_at ? { at: post.removed_at.toISOString(), reason: post.removed_reason ?? "" } : null,
    locked: post.locked_at != null,
    pinned: post.pinned_at != null,
    moderatorNote: post.distinguished,
    needsSource: post.needs_source,
  };
}

/** A report as its group's moderators see it (the reporter included: moderators only). */
export function reportJson(r: ReportView) {
  return {
    id: r.id,
    uri: r.uri,
    state: r.state,
    priority: r.priority,
    reason: r.reason,
    comment: r.comment,
    postId: r.post_id,
    postUri: r.post_uri,
    target: { uri: r.target_uri, handle: `@${r.target_username}@${r.target_host}` },
    reporter: r.reporter_username ? { handle: `@${r.reporter_username}@${r.reporter_host}` } : null,
    createdAt: r.created_at.toISOString(),
    resolvedAt: r.resolved_at?.toISOString() ?? null,
  };
}
