/** Replies to my posts, mentions of me, and answers to my requests to join. */
import type { NotificationView } from "../../db/notifications.ts";
import { Csrf } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import { ReviewItem } from "./notification-review.tsx";
import type { PageInfo } from "./page-info.ts";

function Item({ n }: { n: NotificationView }) {
  if (n.kind === "post_held" || n.kind === "post_approved" || n.kind === "post_rejected") return <ReviewItem n={n} />;
  const who = n.actor_name ?? n.actor_username ?? "Someone";
  const when = <time datetime={n.created_at.toISOString()}>{n.created_at.toUTCString()}</time>;
  const groupHref = n.actor_local && n.actor_group_slug ? `/@${n.actor_group_slug}` : `/groups`;
  if (n.kind === "feedback") {
    return (
      <li class={n.read_at ? "read" : "unread"}>
        {n.read_at ? null : <span class="badge">New</span>}{" "}
        A member sent feedback to the managers of {who}. <a href={`/g/${n.actor_id}/feedback`}>Read the feedback</a> · {when}
      </li>
    );
  }
  if (n.kind === "reply" || n.kind === "mention") {
    const href = n.post_id == null ? "#" : n.post_local ? `${new URL(n.post_uri!).pathname}` : `/p/${n.post_id}`;
    return (
      <li class={n.read_at ? "read" : "unread"}>
        {n.read_at ? null : <span class="badge">New</span>}{" "}
        <strong>{who}</strong> {n.kind === "reply" ? "replied to you in" : "mentioned you in"}{" "}
        <a href={href}>{n.thread_title ?? "a thread"}</a>
        {n.post_deleted ? " (since deleted)" : null} · {when}
      </li>
    );
  }
  return (
    <li class={n.read_at ? "read" : "unread"}>
      {n.read_at ? null : <span class="badge">New</span>}{" "}
      {n.kind === "join_accepted"
        ? <>You are now a member of <a href={groupHref}>{who}</a>.</>
        : <>Your request to join <a href={groupHref}>{who}</a> was declined.</>} · {when}
    </li>
  );
}

export function NotificationsPage(props: { page: PageInfo; items: NotificationView[] }) {
  const unread = props.items.some((n) => !n.read_at);
  return (
    <Layout title="Notifications" page={props.page}>
      <h1>Notifications</h1>
      {props.items.length === 0
        ? <p>Nothing yet. Replies to your posts and answers to your requests to join a group show up here.</p>
        : <ul class="notifications">{props.items.map((n) => <Item n={n} />)}</ul>}
      {unread
        ? (
          <form method="post" action="/notifications/read">
            <Csrf token={props.page.csrf} />
            <button type="submit" class="secondary">Mark all as read</button>
          </form>
        )
        : null}
    </Layout>
  );
}
