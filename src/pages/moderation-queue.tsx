/** A group's moderation queue: open reports (high priority first) and, later, held posts. */
import type { ReportView } from "../../db/reports.ts";
import type { Actor } from "../../db/schema.ts";
import { REASON_LABELS } from "../../federation/reports.ts";
import { Csrf, Notice } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import { ModerationNav } from "./moderation-nav.tsx";
import { type PageInfo, postPath } from "./page-info.ts";

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'", nbsp: " " };

/** The excerpt is stored HTML with its tags stripped: its entities become text again (JSX escapes it). */
function excerptText(excerpt: string | null): string {
  return (excerpt ?? "").replace(/&(amp|lt|gt|quot|#39|#x27|nbsp);/g, (_, e: string) => ENTITIES[e]).replace(/\s+/g, " ").trim();
}

function When({ at }: { at: Date }) {
  return <time datetime={at.toISOString()}>{at.toUTCString()}</time>;
}

function ReportItem({ page, group, r }: { page: PageInfo; group: Actor; r: ReportView }) {
  const headingId = `report-${r.id}`;
  const postHref = r.post_id != null && r.post_uri
    ? postPath({ id: r.post_id, uri: r.post_uri, local: r.post_local === true })
    : undefined;
  return (
    <li class={r.priority === "high" ? "report high" : "report"} aria-labelledby={headingId}>
      <h3 id={headingId}>
        {r.priority === "high" ? <span class="badge urgent">High priority</span> : null} {REASON_LABELS[r.reason]}
        {" "}about {r.post_id != null ? "a post by" : "the member"} @{r.target_username}@{r.target_host}
      </h3>
      {r.post_id != null
        ? (
          <blockquote class="quoted">
            {r.post_title ? <p><strong>{r.post_title}</strong></p> : null}
            <p>{r.post_deleted ? "(deleted by its author)" : excerptText(r.post_excerpt) || "(no text)"}</p>
          </blockquote>
        )
        : null}
      {r.comment ? <p>Comment: {r.comment}</p> : <p class="meta">No comment.</p>}
      <p class="meta">
        Reported by {r.reporter_username ? `@${r.reporter_username}@${r.reporter_host}` : "Kindred (automatic)"} ·{" "}
        <When at={r.created_at} />
        {r.uri && new URL(r.uri).host !== new URL(group.uri).host ? ` · sent from ${new URL(r.uri).host}` : ""}
      </p>
      <div class="actions">
        {postHref ? <a href={postHref}>Open the post</a> : null}
        <form method="post" action={`/g/${group.id}/reports/${r.id}/resolve`} class="inline">
          <Csrf token={page.csrf} />
          <button type="submit">Resolve</button>
        </form>
        <form method="post" action={`/g/${group.id}/reports/${r.id}/dismiss`} class="inline">
          <Csrf token={page.csrf} />
          <button type="submit" class="secondary">Dismiss</button>
        </form>
      </div>
    </li>
  );
}

export function ModerationQueuePage(props: {
  page: PageInfo;
  group: Actor;
  reports: ReportView[];
  done?: string;
  /** Posts held by pre-moderation (listed on /g/:id/held). */
  held: number;
}) {
  const { group } = props;
  return (
    <Layout title={`Moderation queue: ${group.name ?? group.username}`} page={props.page}>
      <ModerationNav group={group} current="queue" moderator />
      <h1>Moderation queue</h1>
      {props.done ? <Notice>{props.done}</Notice> : null}
      <section aria-labelledby="reports-heading">
        <h2 id="reports-heading">Open reports ({props.reports.length})</h2>
        {props.reports.length === 0
          ? <p>No open reports.</p>
          : <ul class="reports">{props.reports.map((r) => <ReportItem page={props.page} group={group} r={r} />)}</ul>}
        <p class="hint">
          Resolve a report once you have acted on it (remove the post, warn or ban the member from the post's page);
          dismiss it when nothing needs doing. Who reported is shown to moderators only.
        </p>
      </section>
      <section id="held-posts" aria-labelledby="held-heading">
        <h2 id="held-heading">Posts waiting for approval ({props.held})</h2>
        <p>
          {props.held === 0 ? "No post is waiting for review. " : null}
          <a href={`/g/${group.id}/held`}>Review held posts</a> · <a href={`/g/${group.id}/settings/moderation`}>Rules
          and pre-moderation</a>
        </p>
      </section>
    </Layout>
  );
}
