/** A group's community-manager dashboard (moderators only). */
import type { Dashboard } from "../../db/dashboard.ts";
import type { Actor } from "../../db/schema.ts";
import { Layout } from "./layout.tsx";
import { ModerationNav } from "./moderation-nav.tsx";
import { type PageInfo, postPath } from "./page-info.ts";

/** 5400 → "1 h 30 min". */
export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

export function DashboardPage(props: { page: PageInfo; group: Actor; data: Dashboard }) {
  const { group, data } = props;
  const thisWeek = data.weeks[0];
  const earlier = data.weeks.slice(1).reduce((n, w) => n + w.new_members, 0);
  return (
    <Layout title={`Dashboard: ${group.name ?? group.username}`} page={props.page}>
      <ModerationNav group={group} current="dashboard" moderator />
      <h1>Community dashboard</h1>
      <ul class="figures">
        <li><strong id="new-this-week">{thisWeek?.new_members ?? 0}</strong> new members this week ({earlier} in the 7 weeks before)</li>
        <li>
          <strong id="median-first-reply">
            {data.medianFirstReplySeconds == null ? "no replies yet" : formatDuration(data.medianFirstReplySeconds)}
          </strong>{" "}
          median time to a first reply (threads of the last 30 days; {data.answeredThreads} answered)
        </li>
        <li><strong id="unanswered-count">{data.unansweredCount}</strong> threads without a reply</li>
        <li>
          <strong id="open-reports">{data.openReports}</strong> open reports ·{" "}
          <a href={`/g/${group.id}/moderation`}>moderation queue</a>
        </li>
      </ul>
      <section aria-labelledby="weeks-heading">
        <h2 id="weeks-heading">Activity per week</h2>
        <table class="data" id="weekly">
          <caption>Last 8 weeks, newest first (weeks start on Monday, UTC)</caption>
          <thead>
            <tr><th scope="col">Week of</th><th scope="col">New members</th><th scope="col">Posts</th><th scope="col">Active members</th></tr>
          </thead>
          <tbody>
            {data.weeks.map((w) => (
              <tr>
                <th scope="row"><time datetime={w.week.toISOString().slice(0, 10)}>{w.week.toISOString().slice(0, 10)}</time></th>
                <td>{w.new_members}</td>
                <td>{w.posts}</td>
                <td>{w.active_members}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="unanswered-heading">
        <h2 id="unanswered-heading">Threads waiting for a reply</h2>
        {data.unanswered.length === 0
          ? <p>Every thread has a reply.</p>
          : (
            <ol class="unanswered">
              {data.unanswered.map((t) => (
                <li>
                  <a href={postPath(t)}>{t.title ?? "(untitled)"}</a>{" "}
                  <span class="meta">
                    posted <time datetime={t.published_at.toISOString()}>{t.published_at.toUTCString()}</time>
                  </span>
                </li>
              ))}
            </ol>
          )}
      </section>
    </Layout>
  );
}
