/** Notifications about pre-moderation: a post awaits review (moderators), or was approved or rejected (its author). */
import type { NotificationView } from "../../db/notifications.ts";

export function ReviewItem({ n }: { n: NotificationView }) {
  const when = <time datetime={n.created_at.toISOString()}>{n.created_at.toUTCString()}</time>;
  const group = n.actor_name ?? n.actor_username ?? "a group";
  const href = n.post_id == null ? "#" : n.post_local ? new URL(n.post_uri!).pathname : `/p/${n.post_id}`;
  const title = n.thread_title ?? "a thread";
  let text;
  if (n.kind === "post_held") {
    text = (
      <>
        A post in {group} awaits review: <a href={href}>{title}</a>.{" "}
        {n.actor_id != null ? <a href={`/g/${n.actor_id}/held`}>Review held posts</a> : null}
      </>
    );
  } else if (n.kind === "post_approved") {
    text = <>A moderator of {group} approved your post: it is now published. <a href={href}>{title}</a></>;
  } else {
    text = (
      <>
        A moderator of {group} did not publish your post in <a href={href}>{title}</a>
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
