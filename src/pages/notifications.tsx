/** Replies to my posts, mentions of me, and answers to my requests to join. */
import type { JSX } from "hono/jsx/jsx-runtime";
import type { NotificationView } from "../../db/notifications.ts";
import { REASON_LABELS } from "../../federation/reports.ts";
import { actionLabel } from "./moderation-log.tsx";
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
        {n.post_id == null ? "a thread you can no longer read" : <a href={href}>{n.thread_title ?? "a thread"}</a>}
        {n.post_deleted ? " (since deleted)" : null} · {when}
      </li>
    );
  }
  if (n.kind === "moderation" || n.kind === "report") return <ModerationItem n={n} when={when} />;
  if (n.kind === "join_request") {
    return (
      <li class={n.read_at ? "read" : "unread"}>
        {n.read_at ? null : <span class="badge">New</span>}{" "}
        Someone asked to join <a href={groupHref}>{who}</a>. <a href={`/g/${n.actor_id}/requests`}>Review the requests</a> · {when}
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

/**
 * A statement of reasons (to the member a moderation action affects), or a
 * new report (to moderators: what it is about, never who sent it).
 */
function ModerationItem({ n, when }: { n: NotificationView; when: JSX.Element }) {
  const group = n.actor_name ?? n.actor_username ?? "the group";
  const groupHref = n.actor_id == null ? "/groups" : n.actor_local && n.actor_group_slug ? `/@${n.actor_group_slug}` : `/g/${n.actor_id}`;
  const postHref = n.post_id == null ? undefined : `/p/${n.post_id}`;
  const fresh = n.read_at ? null : <span class="badge">New</span>;
  if (n.kind === "report") {
    return (
      <li class={n.read_at ? "read" : "unread"}>
        {fresh} {n.report_priority === "high" ? <span class="badge urgent">High priority</span> : null}{" "}
        New report in <a href={groupHref}>{group}</a>: {n.report_reason ? REASON_LABELS[n.report_reason] : "a report"}
        {n.thread_title ? <> about a post in “{n.thread_title}”</> : null}.{" "}
        <a href={`/g/${n.actor_id}/moderation`}>Open the moderation queue</a> · {when}
      </li>
    );
  }
  return (
    <li class={n.read_at ? "read" : "unread"}>
      {fresh} The moderators of <a href={groupHref}>{group}</a> took an action that concerns you:{" "}
      <strong>{n.log_action ? actionLabel(n.log_action) : "moderation"}</strong>
      {postHref ? <> (<a href={postHref}>{n.thread_title ?? "your post"}</a>)</> : null}, by a {n.log_role ?? "moderator"}.
      {" "}Reason: {n.log_reason || "none given"}. · {when}
      <br />
      <span class="hint">
        To ask about it or disagree, write to the group's moderators (listed on <a href={groupHref}>the group's page</a>).
        {n.actor_id == null ? null : <> Every action is in the <a href={`/g/${n.actor_id}/log`}>moderation log</a>.</>}
      </span>
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
