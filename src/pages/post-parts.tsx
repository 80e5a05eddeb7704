/** Pieces of a post: byline with badge, folded content, and the actions under it. */
import { raw } from "hono/html";
import type { PostCard } from "../../db/posts.ts";
import type { MemberType } from "../../db/schema.ts";
import { lookalikeReason } from "../../policy/lookalike.ts";
import { MEMBER_TYPES } from "../web-accounts.ts";
import { Csrf, Field, TextArea } from "./forms.tsx";
import type { PageInfo } from "./page-info.ts";

export function MemberBadge({ type }: { type?: MemberType | null }) {
  return type ? <span class={`badge member-${type}`}>{MEMBER_TYPES[type]}</span> : null;
}

/** Badges given by this instance: "Verified clinician" (admins) and the group's "Mentor" (its owner). */
export function StaffBadges({ clinician, mentor }: { clinician?: boolean; mentor?: boolean }) {
  return (
    <>
      {clinician ? <span class="badge clinician">Verified clinician</span> : null}
      {mentor ? <span class="badge mentor">Mentor</span> : null}
    </>
  );
}

export function Byline(
  { post, badge, clinician, mentor }: { post: PostCard; badge?: MemberType; clinician?: boolean; mentor?: boolean },
) {
  return (
    <p class="byline">
      <a href={post.author_uri} rel="nofollow"><bdi>{post.author_name ?? post.author_username}</bdi></a>
      <MemberBadge type={badge} /><StaffBadges clinician={clinician} mentor={mentor} />{" "}
      <Handle username={post.author_username} host={post.author_host} name={post.author_name} /> ·{" "}
      <time datetime={post.published_at.toISOString()}>{post.published_at.toUTCString()}</time>
      {post.updated_at ? " · edited" : null}
    </p>
  );
}

/**
 * `@username@host`, isolated from the text around it (a name with bidi
 * controls cannot reorder the handle or the byline), always with its host,
 * and flagged when it or the display name could pass for someone else's.
 */
export function Handle({ username, host, name }: { username: string; host: string; name?: string | null }) {
  const reason = lookalikeReason(name, username, host);
  return (
    <>
      <span class="handle"><bdi dir="ltr">@{username}@{host}</bdi></span>
      {reason ? <span class="badge lookalike" title={reason}>Look-alike name</span> : null}
    </>
  );
}

/** A post's body; with a content warning (or marked sensitive) it is folded. */
export function Content({ post }: { post: PostCard }) {
  if (post.deleted_at) return <p class="deleted">This post was deleted.</p>;
  // content_html is Markdown rendered with raw HTML escaped (local posts) or
  // sanitised on arrival (remote posts): see src/markdown.ts, federation/html.ts.
  const body = <div class="content">{raw(post.content_html)}</div>;
  if (!post.summary && !post.sensitive) return body;
  return (
    <details class="content-warning">
      <summary>{post.summary ? <>Content warning: {post.summary}</> : "Sensitive content"} <span class="hint">(show)</span></summary>
      {body}
    </details>
  );
}

/** Title (threads only), body, content warning, sensitive: the compose fields. */
export interface ComposeValues {
  title?: string;
  body?: string;
  summary?: string;
  sensitive?: boolean;
}

export function ComposeFields({ id, values, withTitle }: { id: string; values: ComposeValues; withTitle?: boolean }) {
  return (
    <>
      {withTitle
        ? <Field id={`${id}-title`} name="title" label="Title" required value={values.title} maxlength={200} />
        : null}
      <TextArea id={`${id}-body`} name="body" label={withTitle ? "Message" : "Your reply"} required value={values.body}
        maxlength={50000} rows={withTitle ? 10 : 5}
        hint="Markdown works: **bold**, *italic*, - lists, > quotes, [link](https://…)." />
      <Field id={`${id}-summary`} name="summary" label="Content warning" value={values.summary} maxlength={500}
        hint="A few words about difficult content (e.g. “death”, “self-harm”). Readers see only this until they open the post." />
      <p class="choice">
        <input type="checkbox" id={`${id}-sensitive`} name="sensitive" value="on" checked={values.sensitive} />
        <label for={`${id}-sensitive`}>Fold this post even without a content warning</label>
      </p>
    </>
  );
}

export function VoteForm({ page, post, mine }: { page: PageInfo; post: PostCard; mine?: 1 | -1 }) {
  return (
    <form method="post" action={`/p/${post.id}/vote`} class="inline vote">
      <Csrf token={page.csrf} />
      <button type="submit" name="value" value={mine === 1 ? "0" : "1"} aria-pressed={mine === 1 ? "true" : "false"}
        class="secondary">
        Helpful ({post.like_count})
      </button>{" "}
      <button type="submit" name="value" value={mine === -1 ? "0" : "-1"} aria-pressed={mine === -1 ? "true" : "false"}
        class="secondary">
        Not helpful ({post.dislike_count})
      </button>
    </form>
  );
}

export function ReplyForm({ page, post }: { page: PageInfo; post: PostCard }) {
  const id = `reply-${post.id}`;
  return (
    <details class="reply-form">
      <summary>Reply</summary>
      <form method="post" action={`/p/${post.id}/reply`}>
        <Csrf token={page.csrf} />
        <ComposeFields id={id} values={{}} />
        <p>
          <button type="submit" name="action" value="preview" class="secondary">Preview</button>{" "}
          <button type="submit" name="action" value="post">Post reply</button>
        </p>
      </form>
    </details>
  );
}

export function OwnPostActions({ page, post }: { page: PageInfo; post: PostCard }) {
  return (
    <>
      <a href={`/p/${post.id}/edit`} class="action">Edit</a>
      <details class="delete inline">
        <summary>Delete</summary>
        <form method="post" action={`/p/${post.id}/delete`} class="inline">
          <Csrf token={page.csrf} />
          <button type="submit" class="danger">Yes, delete this post</button>
        </form>
      </details>
    </>
  );
}

/** To the form that reports a post (or its author) to the group's moderators. */
export function ReportLink({ post }: { post: PostCard }) {
  return <a href={`/p/${post.id}/report`} class="action" rel="nofollow">Report</a>;
}
