/** Moderation on the thread page: labels every reader sees, and the moderators' forms. */
import type { PostCard } from "../../db/posts.ts";
import { Csrf, Field, TextArea } from "./forms.tsx";
import type { PageInfo } from "./page-info.ts";

/** Locked, pinned, "needs a source": shown to everyone. */
export function ModerationLabels({ post, threadLocked }: { post: PostCard; threadLocked?: boolean }) {
  const locked = post.locked_at != null;
  if (!locked && !post.pinned_at && !post.needs_source && !(threadLocked && post.parent_id == null)) return null;
  return (
    <p class="moderation-labels">
      {post.pinned_at ? <span class="badge pinned">Pinned</span> : null}
      {locked ? <span class="badge locked">Locked</span> : null}
      {post.needs_source
        ? <span class="badge needs-source">Needs a source: a moderator asks for evidence for this post</span>
        : null}
    </p>
  );
}

/** What readers see of a removed post, instead of it (moderators see both). */
export function RemovedNotice({ post }: { post: PostCard }) {
  return (
    <p class="removed" role="note">
      Removed by a moderator{post.removed_reason ? <>: {post.removed_reason}</> : "."}
    </p>
  );
}

function ActionButton({ page, post, action, label, withReason, danger }: {
  page: PageInfo;
  post: PostCard;
  action: string;
  label: string;
  withReason?: "required" | "optional";
  danger?: boolean;
}) {
  const form = (
    <form method="post" action={`/p/${post.id}/moderate`} class={withReason ? "moderate" : "inline"}>
      <Csrf token={page.csrf} />
      <input type="hidden" name="action" value={action} />
      {withReason
        ? (
          <Field id={`${action}-reason-${post.id}`} name="reason" label="Reason" required={withReason === "required"}
            maxlength={1000} hint="Shown to the author and in the group's moderation log." />
        )
        : null}
      <button type="submit" class={danger ? "danger" : "secondary"}>{label}</button>
    </form>
  );
  if (!withReason) return form;
  return (
    <details class="moderate inline">
      <summary>{label}</summary>
      {form}
    </details>
  );
}

/** The moderators' tools under a post. */
export function ModeratorActions({ page, post }: { page: PageInfo; post: PostCard }) {
  if (post.deleted_at) return null;
  const thread = post.parent_id == null;
  return (
    <div class="moderator-actions" aria-label="Moderation">
      {post.removed_at
        ? <ActionButton page={page} post={post} action="restore" label="Restore" withReason="optional" />
        : <ActionButton page={page} post={post} action="remove" label="Remove" withReason="required" danger />}
      {post.locked_at
        ? <ActionButton page={page} post={post} action="unlock" label="Unlock" withReason="optional" />
        : <ActionButton page={page} post={post} action="lock" label="Lock" withReason="optional" />}
      {thread
        ? post.pinned_at
          ? <ActionButton page={page} post={post} action="unpin" label="Unpin" />
          : <ActionButton page={page} post={post} action="pin" label="Pin" />
        : null}
      {post.needs_source
        ? <ActionButton page={page} post={post} action="source-ok" label="Clear “needs a source”" />
        : <ActionButton page={page} post={post} action="needs-source" label="Label “needs a source”" />}
      <form method="post" action={`/p/${post.id}/redact`} class="inline">
        <Csrf token={page.csrf} />
        <button type="submit" class="secondary">Redact personal details</button>
      </form>
      <details class="moderate inline">
        <summary>Add a moderator note</summary>
        <form method="post" action={`/p/${post.id}/moderator-note`} class="moderate">
          <Csrf token={page.csrf} />
          <TextArea id={`note-${post.id}`} name="body" label="Moderator note" required maxlength={10000} rows={3}
            hint="Shown prominently with this post, to everyone, e.g. a correction with a reliable source." />
          <button type="submit">Post note</button>
        </form>
      </details>
    </div>
  );
}
