/** The group directory: search, local groups, my groups, and following a remote group. */
import { Handle } from "./post-parts.tsx";
import type { DirectoryEntry } from "../../db/web-groups.ts";
import { AudienceBadge } from "./caregivers-parts.tsx";
import type { RemoteDirectoryEntry } from "../../db/directory.ts";
import { type ConditionTag, languageName } from "../../policy/condition-tags.ts";
import { Csrf, Notice, Problems } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import { groupPath, type PageInfo } from "./page-info.ts";

export interface MyGroup {
  id: number;
  name: string | null;
  username: string;
  host: string;
  local: boolean;
  state: "pending" | "accepted";
}

export function DirectoryPage(props: {
  page: PageInfo;
  host: string;
  query?: string;
  groups: DirectoryEntry[];
  /** More groups follow: the link to the next page carries the last group's id. */
  nextAfter?: number;
  mine: MyGroup[];
  welcome?: boolean;
  followError?: string;
  followValue?: string;
  /** The condition filter as typed, and the language filter. */
  tag?: string;
  language?: string;
  /** Public groups on the servers this one federates with (their directories). */
  remote?: RemoteDirectoryEntry[];
  /** A problem with the filters. */
  filterError?: string;
}) {
  const { page, query } = props;
  const filtered = !!(props.tag || props.language);
  const filterLink = (after: number) => {
    const params = new URLSearchParams({ after: String(after) });
    if (props.tag) params.set("tag", props.tag);
    if (props.language) params.set("language", props.language);
    return `/groups?${params}`;
  };
  const memberOf = new Map(props.mine.map((g) => [g.id, g.state]));
  return (
    <Layout title="Groups" page={page}>
      {props.welcome ? <Notice>Welcome! Your account is ready. Find a group to join below.</Notice> : null}
      <h1>Groups</h1>
      <div role="search">
        <form method="get" action="/groups" class="search">
          <label for="q">Search groups</label>
          <input id="q" name="q" type="search" value={query ?? ""} />
          {/* A search keeps the condition and language filters, and the filters keep the search. */}
          {props.tag ? <input type="hidden" name="tag" value={props.tag} /> : null}
          {props.language ? <input type="hidden" name="language" value={props.language} /> : null}
          <button type="submit">Search</button>
        </form>
        <form method="get" action="/groups" class="search filters">
          <p class="field">
            <label for="tag">Condition</label>
            <input id="tag" name="tag" type="search" value={props.tag ?? ""} maxlength={100} aria-describedby="tag-hint" />
            <span class="hint" id="tag-hint">
              A code such as ORPHA:558 or ICD10:C50 (which also finds C50.9), or words of the condition's name.
            </span>
          </p>
          <p class="field">
            <label for="language">Language</label>
            <input id="language" name="language" type="text" value={props.language ?? ""} maxlength={20} size={8}
              aria-describedby="language-hint" />
            <span class="hint" id="language-hint">For example en, fr or pt-BR.</span>
          </p>
          {query ? <input type="hidden" name="q" value={query} /> : null}
          <button type="submit">Find groups</button>
        </form>
        <Problems errors={props.filterError ? [props.filterError] : undefined} />
      </div>
      {page.viewer && props.mine.length > 0
        ? (
          <section aria-labelledby="mine-heading">
            <h2 id="mine-heading">Your groups</h2>
            <ul class="group-list">
              {props.mine.map((g) => (
                <li>
                  <a href={groupPath(g)}><bdi>{g.name ?? g.username}</bdi></a> <Handle username={g.username} host={g.host} name={g.name} />
                  {g.state === "pending" ? <span class="badge">Request pending</span> : null}
                </li>
              ))}
            </ul>
          </section>
        )
        : null}
      <section aria-labelledby="groups-heading">
        <h2 id="groups-heading">{query ? `Groups matching “${query}”` : `Groups on ${page.instanceName}`}</h2>
        {props.groups.length === 0
          ? <p>{query || filtered ? "No group here matches. Try other words." : "There are no groups here yet."}</p>
          : (
            <ul class="group-list">
              {props.groups.map((g) => (
                <li>
                  <a href={`/@${g.slug}`}>{g.name}</a> <span class="handle">@{g.slug}@{props.host}</span>
                  {g.join_policy === "approval" ? <span class="badge">Approval to join</span> : null}
                  <AudienceBadge audience={g.audience} />
                  <br />
                  <span class="meta">{g.member_count} {g.member_count === 1 ? "member" : "members"}</span>
                  {g.languages.length > 0 ? <span class="meta"> · {g.languages.map(languageName).join(", ")}</span> : null}
                  {g.summary_source ? <span class="excerpt"> · {excerpt(g.summary_source)}</span> : null}
                  <ConditionTags tags={g.condition_tags} />
                </li>
              ))}
            </ul>
          )}
        {props.nextAfter ? <p><a href={filterLink(props.nextAfter)} rel="next">More groups</a></p> : null}
      </section>
      {props.remote && (props.remote.length > 0 || filtered)
        ? (
          <section aria-labelledby="remote-heading">
            <h2 id="remote-heading">On other instances</h2>
            {props.remote.length === 0
              ? <p>No group on the servers this one federates with matches.</p>
              : (
                <ul class="group-list">
                  {props.remote.map((g) => {
                    const state = g.actor_id == null ? undefined : memberOf.get(g.actor_id);
                    const host = new URL(g.actor_uri).host;
                    return (
                      <li>
                        <bdi>{g.name}</bdi> <span class="handle"><bdi dir="ltr">{g.handle}</bdi></span>
                        {g.join_policy === "approval" ? <span class="badge">Approval to join</span> : null}
                        {g.sensitive ? <span class="badge cw">Sensitive</span> : null}
                        <AudienceBadge audience={g.audience} />
                        {g.stale ? <span class="badge review" title="The last fetch of this server's directory failed">May be out of date</span> : null}
                        <br />
                        <span class="meta">
                          On {host} · {g.member_count} {g.member_count === 1 ? "member" : "members"} ·{" "}
                          {g.posts_30d} {g.posts_30d === 1 ? "post" : "posts"} in the last 30 days (as its server reports)
                          {g.last_activity_at ? <> · last active <time datetime={g.last_activity_at.toISOString()}>{g.last_activity_at.toISOString().slice(0, 10)}</time></> : null}
                          {g.languages.length > 0 ? ` · ${g.languages.map(languageName).join(", ")}` : ""}
                        </span>
                        {g.summary ? <span class="excerpt"> · {excerpt(g.summary)}</span> : null}
                        <ConditionTags tags={g.condition_tags} />
                        {state === "accepted"
                          ? <p><a href={`/g/${g.actor_id}`}>Open</a> <span class="badge">Member</span></p>
                          : state === "pending"
                          ? <p><a href={`/g/${g.actor_id}`}>Open</a> <span class="badge">Request pending</span></p>
                          : page.viewer
                          ? (
                            <form method="post" action="/groups/follow" class="inline">
                              <Csrf token={page.csrf} />
                              <input type="hidden" name="handle" value={g.actor_uri} />
                              <button type="submit" aria-label={`${g.join_policy === "approval" ? "Ask to join" : "Join"} ${g.name} on ${host}`}>
                                {g.join_policy === "approval" ? "Ask to join" : "Join"}
                              </button>
                            </form>
                          )
                          : <p class="meta"><a href="/login">Log in</a> to join.</p>}
                      </li>
                    );
                  })}
                </ul>
              )}
          </section>
        )
        : null}
      {page.viewer
        ? (
          <section aria-labelledby="follow-heading">
            <h2 id="follow-heading">Join a group on another server</h2>
            <Problems errors={props.followError ? [props.followError] : undefined} />
            <form method="post" action="/groups/follow" class="search">
              <Csrf token={page.csrf} />
              <label for="handle">Group handle or address</label>
              <input id="handle" name="handle" type="text" value={props.followValue ?? ""} required
                aria-describedby="handle-hint" />
              <button type="submit">Join</button>
              <span class="hint" id="handle-hint">For example @name@other.example or https://other.example/c/name</span>
            </form>
          </section>
        )
        : null}
    </Layout>
  );
}

/** A group's condition tags, each a link to the directory filtered by its code. */
export function ConditionTags({ tags }: { tags: ConditionTag[] }) {
  if (tags.length === 0) return null;
  return (
    <ul class="tags" aria-label="Conditions">
      {tags.map((t) => (
        <li>
          <a href={`/groups?tag=${encodeURIComponent(t.code)}`} rel="tag">
            {t.label ? <><bdi>{t.label}</bdi> <span class="code">{t.code}</span></> : <span class="code">{t.code}</span>}
          </a>
        </li>
      ))}
    </ul>
  );
}

function excerpt(markdown: string): string {
  const text = markdown.replace(/[#*_`>\[\]()]/g, "").replace(/\s+/g, " ").trim();
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
