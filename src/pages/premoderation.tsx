/** Pre-moderation pages for a group's moderators: held posts, and the group's rules and settings. */
import { raw } from "hono/html";
import type { GroupResource } from "../../db/group-resources.ts";
import type { HeldPost, PremodRuleRow } from "../../db/premoderation.ts";
import type { Actor, ReviewState } from "../../db/schema.ts";
import { Csrf, Field, Problems, TextArea } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import { groupPath, type PageInfo } from "./page-info.ts";

const KIND_LABELS: Record<PremodRuleRow["kind"], string> = {
  keyword: "Contains the word or phrase",
  link_count: "Has more links than",
  link_domain: "Links to the domain",
};

/** Marks a post that only its author and the moderators can see. */
export function ReviewBadge({ state }: { state: ReviewState }) {
  if (state === "published") return null;
  return <p class="badge review">{state === "held" ? "Awaiting review" : "Not published: rejected by a moderator"}</p>;
}

function groupName(group: Actor): string {
  return group.name ?? group.username;
}

export function HeldPostsPage({ page, group, posts }: { page: PageInfo; group: Actor; posts: HeldPost[] }) {
  return (
    <Layout title={`Posts awaiting review · ${groupName(group)}`} page={page}>
      <p class="breadcrumb"><a href={groupPath(group)}>{groupName(group)}</a></p>
      <h1>Posts awaiting review</h1>
      <p>
        Only their authors and the moderators can see these posts. Approving a post publishes it and sends it to the
        group's members on other servers; rejecting it tells its author why.
      </p>
      {posts.length === 0 ? <p>Nothing is waiting for review.</p> : null}
      {posts.map((p) => (
        <article class="held" id={`held-${p.id}`} aria-labelledby={`held-${p.id}-title`}>
          <h2 id={`held-${p.id}-title`}>
            {p.parent_id == null ? p.title ?? "(untitled)" : `Reply in “${p.thread_title ?? "a thread"}”`}
          </h2>
          <p class="meta">
            by {p.author_name ?? p.author_username} (@{p.author_username}@{p.author_host}) ·{" "}
            <time datetime={p.published_at.toISOString()}>{p.published_at.toUTCString()}</time>
          </p>
          <p class="hint">Held because {p.review_reason ?? "of the group's rules"}.</p>
          {p.summary ? <p class="badge cw">CW: {p.summary}</p> : null}
          {/* content_html: rendered Markdown (local) or sanitised HTML (remote). */}
          <div class="content">{raw(p.content_html)}</div>
          <form method="post" action={`/p/${p.id}/review`} class="review">
            <Csrf token={page.csrf} />
            <Field id={`reason-${p.id}`} name="reason" label="Reason (shown to the author if you reject)" maxlength={1000} />
            <button type="submit" name="decision" value="approve">Approve and publish</button>{" "}
            <button type="submit" name="decision" value="reject" class="secondary">Reject</button>
          </form>
        </article>
      ))}
    </Layout>
  );
}

export interface SettingsProps {
  page: PageInfo;
  group: Actor;
  rulesSource: string;
  holdFirstPosts: number;
  rules: PremodRuleRow[];
  resources: GroupResource[];
  errors?: string[];
  saved?: boolean;
}

export function ModerationSettingsPage(props: SettingsProps) {
  const { page, group } = props;
  const base = `/g/${group.id}/settings/moderation`;
  return (
    <Layout title={`Moderation settings · ${groupName(group)}`} page={page}>
      <p class="breadcrumb"><a href={groupPath(group)}>{groupName(group)}</a></p>
      <h1>Moderation settings</h1>
      <Problems errors={props.errors} />
      {props.saved ? <div class="notice" role="status">Saved.</div> : null}
      <h2>Group rules and review of newcomers</h2>
      <form method="post" action={base}>
        <Csrf token={page.csrf} />
        <TextArea id="rules" name="rules" label="Group rules" value={props.rulesSource} rows={8} maxlength={10000}
          hint="Markdown. Shown on the group page and when members write a post." />
        <Field id="holdFirstPosts" name="holdFirstPosts" label="Review the first posts of each new member" type="number"
          value={String(props.holdFirstPosts)} hint="How many of a new member's first posts wait for a moderator: 0 turns this off." />
        <p><button type="submit">Save settings</button></p>
      </form>
      <h2>Rules that hold or reject posts</h2>
      <p>
        A post that matches a “hold” rule waits for a moderator; one that matches a “reject” rule is refused, and its
        author is told why so that they can edit it. Moderators' own posts are never held.
      </p>
      {props.rules.length === 0
        ? <p>No rules yet.</p>
        : (
          <table class="data">
            <caption>Current rules</caption>
            <thead><tr><th scope="col">When a post…</th><th scope="col">Value</th><th scope="col">Then</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {props.rules.map((r) => (
                <tr>
                  <td>{KIND_LABELS[r.kind]}</td>
                  <td><code>{r.pattern}</code></td>
                  <td>{r.action === "hold" ? "Hold for review" : "Reject"}</td>
                  <td>
                    <form method="post" action={`${base}/rules/${r.id}/delete`} class="inline">
                      <Csrf token={page.csrf} />
                      <button type="submit" class="secondary">Delete<span class="visually-hidden"> rule {r.pattern}</span></button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      <h3>Add a rule</h3>
      <form method="post" action={`${base}/rules`}>
        <Csrf token={page.csrf} />
        <p class="field">
          <label for="kind">When a post…</label>
          <select id="kind" name="kind">
            <option value="keyword">contains the word or phrase</option>
            <option value="link_count">has more links than</option>
            <option value="link_domain">links to the domain</option>
          </select>
        </p>
        <Field id="pattern" name="pattern" label="Value" required maxlength={200}
          hint="A word or phrase (not a pattern), a number of links, or a domain such as example.com (its subdomains count too)" />
        <p class="field">
          <label for="action">Then</label>
          <select id="action" name="action">
            <option value="hold">hold it for review</option>
            <option value="reject">reject it</option>
          </select>
        </p>
        <p><button type="submit">Add rule</button></p>
      </form>
      <h2>Pinned resources</h2>
      <p>
        Links to reliable information (a national health service's pages, a charity's guides), shown on the group
        page. Point members to them when you label a post “needs a source”.
      </p>
      {props.resources.length === 0
        ? <p>No resources yet.</p>
        : (
          <ul class="group-resources">
            {props.resources.map((r) => (
              <li>
                <a href={r.url} rel="noopener noreferrer">{r.title}</a>
                {r.description ? <span class="hint">{r.description}</span> : null}
                <form method="post" action={`${base}/resources/${r.id}/delete`} class="inline">
                  <Csrf token={page.csrf} />
                  <button type="submit" class="secondary">Unpin<span class="visually-hidden"> {r.title}</span></button>
                </form>
              </li>
            ))}
          </ul>
        )}
      <h3>Pin a resource</h3>
      <form method="post" action={`${base}/resources`}>
        <Csrf token={page.csrf} />
        <Field id="resource-title" name="title" label="Title" required maxlength={200} />
        <Field id="resource-url" name="url" label="Link" type="url" required maxlength={2000} hint="https://…" />
        <Field id="resource-description" name="description" label="Description" maxlength={500} />
        <Field id="resource-position" name="position" label="Order" type="number" value="0" hint="Lower numbers come first" />
        <p><button type="submit">Pin resource</button></p>
      </form>
    </Layout>
  );
}
