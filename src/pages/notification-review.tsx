/** Notifications about pre-moderation: a post awaits review (moderators), or was approved or rejected (its author). */
import type { NotificationView } from "../../db/notifications.ts";

export function ReviewItem({ n }: { n: NotificationView }) {
  const when = <time datetime={n.created_at.toISOString()}>{n.created_at.toUTCString()}</time>;
  const group = n.actor_name ?? n.actor_username ?? "a group";
  const href = n.post_id == null ? undefined : n.post_local ? new URL(n.post_uri!).pathname : `/p/${n.post_id}`;
  // No post: one the member can no longer read (they left its private group).
  const title = href ? n.thread_title ?? "a thread" : "a thread you can no longer read";
  const link = href ? <a href={href}>{title}</a> : title;
  let text;
  if (n.kind === "post_held") {
    text = (
      <>
        A post in {group} awaits review: {link}.{" "}
        {n.actor_id != null ? <a href={`/g/${n.actor_id}/held`}>Review held posts</a> : null}
      </>
    );
  } else if (n.kind === "post_approved") {
    text = <>A moderator of {group} approved your post: it is now published. {link}</>;
  } else {
    text = (
      <>
        A moderator of {group} did not publish your post in {link}
        {n.post_review_reason ? <>: “{n.post_review_reason}”</> : null}. You can still read it and edit a new version.
      </>
    );
  }
  return (
    <li class={n.read_at ? "read" : "unread"}>
      {n.read_at ? null : <span class="badge">New</span>} {text} · {when}
    </li>
  );
}
