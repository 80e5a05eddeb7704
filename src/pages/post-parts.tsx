/** Pieces of a post: byline with badge, folded content, and the actions under it. */
import { raw } from "hono/html";
import type { MediaInfo } from "../../db/media.ts";
import type { PostCard } from "../../db/posts.ts";
import type { MemberType } from "../../db/schema.ts";
import { lookalikeReason } from "../../policy/lookalike.ts";
import { MEMBER_TYPES } from "../web-accounts.ts";
import { Csrf, Field, TextArea } from "./forms.tsx";
import type { PageInfo } from "./page-info.ts";

export function MemberBadge({ type }: { type?: MemberType | null }) {
  return type ? <span class={`badge member-${type}`}>{MEMBER_TYPES[type]}</span> : null;
}

/**
 * Badges given by this instance: "Verified clinician" (admins), the group's
 * "Mentor" (its owner) and "New here" (joined the group recently).
 */
export function StaffBadges({ clinician, mentor, newHere }: { clinician?: boolean; mentor?: boolean; newHere?: boolean }) {
  return (
    <>
      {clinician ? <span class="badge clinician">Verified clinician</span> : null}
      {mentor ? <span class="badge mentor">Mentor</span> : null}
      {newHere ? <span class="badge new-here" title="Joined this group in the last two weeks">New here</span> : null}
    </>
  );
}

export function Byline(
  { post, badge, clinician, mentor, newHere }: {
    post: PostCard;
    badge?: MemberType;
    clinician?: boolean;
    mentor?: boolean;
    newHere?: boolean;
  },
) {
  return (
    <p class="byline">
      <a href={post.author_uri} rel="nofollow"><bdi>{post.author_name ?? post.author_username}</bdi></a>
      <MemberBadge type={badge} /><StaffBadges clinician={clinician} mentor={mentor} newHere={newHere} />{" "}
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
export function Content({ post, images }: { post: PostCard; images?: MediaInfo[] }) {
  if (post.deleted_at) return <p class="deleted">This post was deleted.</p>;
  // content_html is Markdown rendered with raw HTML escaped (local posts) or
  // sanitised on arrival (remote posts): see src/markdown.ts, federation/html.ts.
  const body = <><div class="content">{raw(post.content_html)}</div><PostImages images={images} /></>;
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

/**
 * Up to four images, each with its description (alt text), in a form sent
 * as multipart/form-data.  Works without JavaScript; the files are read when
 * the post is published (after a preview, they are chosen again).
 */
export function ImageFields({ id }: { id: string }) {
  return (
    <fieldset class="images">
      <legend>Images <span class="optional">(optional, up to 4)</span></legend>
      <p class="hint">JPEG or PNG, up to 8 MB each. Kindred removes location and camera details from every image.
        Describe each image for members who use a screen reader. After a preview, choose the images again.</p>
      {[1, 2, 3, 4].map((n) => (
        <p class="field image-field">
          <label for={`${id}-image-${n}`}>Image {n}</label>
          <input type="file" id={`${id}-image-${n}`} name={`image_${n}`} accept="image/jpeg,image/png" />
          <label for={`${id}-alt-${n}`}>Description of image {n}</label>
          <input type="text" id={`${id}-alt-${n}`} name={`alt_${n}`} maxlength={1500} />
        </p>
      ))}
    </fieldset>
  );
}

/** A post's images: local ones shown, remote ones as a link to their server (never loaded from here). */
export function PostImages({ images }: { images?: MediaInfo[] }) {
  if (!images?.length) return null;
  return (
    <ul class="post-images">
      {images.map((m) =>
        m.remote_url
          ? (
            <li>
              <a href={m.remote_url} rel="nofollow noopener noreferrer" class="remote-image">
                Image on {hostOf(m.remote_url)}
              </a>
              {m.alt ? <>: {m.alt}</> : null}
            </li>
          )
          : (
            <li>
              <img src={`/media/${m.id}`} alt={m.alt} width={m.width ?? undefined} height={m.height ?? undefined}
                loading="lazy" decoding="async" />
            </li>
          )
      )}
    </ul>
  );
}

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host : "another server";
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
      <form method="post" action={`/p/${post.id}/reply`} enctype="multipart/form-data">
        <Csrf token={page.csrf} />
        <ComposeFields id={id} values={{}} />
        <ImageFields id={id} />
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
