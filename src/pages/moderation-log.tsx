/** A group's public moderation log: what was done and why, by role, never by name. */
import type { ModerationLogView } from "../../db/moderation-log.ts";
import type { Actor } from "../../db/schema.ts";
import { Layout } from "./layout.tsx";
import { ModerationNav } from "./moderation-nav.tsx";
import type { PageInfo } from "./page-info.ts";

/** "remove_post" → "Remove post". */
export function actionLabel(action: string): string {
  const words = action.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function Target({ e }: { e: ModerationLogView }) {
  if (e.post_id != null) return <a href={`/p/${e.post_id}`}>{e.post_title ?? "a reply"}</a>;
  if (e.target_username) return <>@{e.target_username}@{e.target_host}</>;
  return <>—</>;
}

export function ModerationLogPage(props: {
  page: PageInfo;
  group: Actor;
  entries: ModerationLogView[];
  moderator: boolean;
  olderHref?: string;
}) {
  const { group } = props;
  return (
    <Layout title={`Moderation log: ${group.name ?? group.username}`} page={props.page}>
      <ModerationNav group={group} current="log" moderator={props.moderator} />
      <h1>Moderation log</h1>
      <p>Every moderation action in this group, with its reason. Moderators are shown by their role, not their name.</p>
      {props.entries.length === 0
        ? <p>No moderation actions yet.</p>
        : (
          <table class="data">
            <caption>Moderation actions, newest first</caption>
            <thead>
              <tr><th scope="col">Date</th><th scope="col">Action</th><th scope="col">By</th><th scope="col">Target</th><th scope="col">Reason</th></tr>
            </thead>
            <tbody>
              {props.entries.map((e) => (
                <tr>
                  <td><time datetime={e.created_at.toISOString()}>{e.created_at.toISOString().slice(0, 10)}</time></td>
                  <td>{actionLabel(e.action)}</td>
                  <td>{e.moderator_role}</td>
                  <td><Target e={e} /></td>
                  <td>{e.reason || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      {props.olderHref ? <p><a href={props.olderHref} rel="next">Older entries</a></p> : null}
    </Layout>
  );
}
