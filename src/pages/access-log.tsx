/** The access log (/admin/access-log, /g/:id/access-log): who read private content because of their role. */
import type { AccessLogEntry } from "../../db/access-log.ts";
import type { AccessSubject } from "../../db/schema.ts";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

export const SUBJECT_LABELS: Record<AccessSubject, string> = {
  private_thread: "A thread of a private group",
  private_threads: "The thread list of a private group",
  held_posts: "Posts awaiting review",
  removed_post: "Held, rejected or removed posts in a thread",
  reports: "Reports, with the reported posts",
  member_data: "A member's data",
  outcome_aggregates: "An export of the questionnaire's figures",
  outcome_answers: "An export of questionnaire answers for research (pseudonymised)",
};

function What({ e }: { e: AccessLogEntry }) {
  const label = SUBJECT_LABELS[e.subject];
  if ((e.subject === "private_thread" || e.subject === "removed_post") && e.subject_id != null) {
    return <>{label}: <a href={`/p/${e.subject_id}`}>post {e.subject_id}</a></>;
  }
  return <>{label}</>;
}

export function AccessLogPage(props: { page: PageInfo; title: string; intro: string; entries: AccessLogEntry[] }) {
  return (
    <Layout title={props.title} page={props.page}>
      <h1>{props.title}</h1>
      <p>{props.intro}</p>
      <p>
        An entry is written whenever an admin or moderator reads content that only their role lets them see: a private
        group's threads when they are not a member, posts awaiting review, removed posts, reports. Entries cannot be
        changed or deleted, except by the retention purge (<code>kindred access-log purge</code>). No IP address is kept.
      </p>
      {props.entries.length === 0
        ? <p>No entries.</p>
        : (
          <table class="data">
            <caption>Reads of private content, newest first (at most 200)</caption>
            <thead>
              <tr>
                <th scope="col">When (UTC)</th><th scope="col">Who</th><th scope="col">As</th><th scope="col">Group</th>
                <th scope="col">What</th><th scope="col">Route</th>
              </tr>
            </thead>
            <tbody>
              {props.entries.map((e) => (
                <tr>
                  <td><time datetime={e.at.toISOString()}>{e.at.toISOString().slice(0, 16).replace("T", " ")}</time></td>
                  <td>@{e.username}</td>
                  <td>{e.role}</td>
                  <td>{e.group_actor_id != null ? <a href={`/g/${e.group_actor_id}`}>{e.group_name ?? e.group_username}</a> : "—"}</td>
                  <td><What e={e} /></td>
                  <td><code>{e.route}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </Layout>
  );
}
