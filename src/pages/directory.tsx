/** The group directory: search, local groups, my groups, and following a remote group. */
import { Handle } from "./post-parts.tsx";
import type { DirectoryEntry } from "../../db/web-groups.ts";
import { AudienceBadge } from "./caregivers-parts.tsx";
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
}) {
  const { page, query } = props;
  return (
    <Layout title="Groups" page={page}>
      {props.welcome ? <Notice>Welcome! Your account is ready. Find a group to join below.</Notice> : null}
      <h1>Groups</h1>
      <div role="search">
        <form method="get" action="/groups" class="search">
          <label for="q">Search groups</label>
          <input id="q" name="q" type="search" value={query ?? ""} />
          <button type="submit">Search</button>
        </form>
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
          ? <p>{query ? "No group matches. Try other words." : "There are no groups here yet."}</p>
          : (
            <ul class="group-list">
              {props.groups.map((g) => (
                <li>
                  <a href={`/@${g.slug}`}>{g.name}</a> <span class="handle">@{g.slug}@{props.host}</span>
                  {g.join_policy === "approval" ? <span class="badge">Approval to join</span> : null}
                  <AudienceBadge audience={g.audience} />
                  <br />
                  <span class="meta">{g.member_count} {g.member_count === 1 ? "member" : "members"}</span>
                  {g.summary_source ? <span class="excerpt"> · {excerpt(g.summary_source)}</span> : null}
                </li>
              ))}
            </ul>
          )}
        {props.nextAfter ? <p><a href={`/groups?after=${props.nextAfter}`} rel="next">More groups</a></p> : null}
      </section>
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

function excerpt(markdown: string): string {
  const text = markdown.replace(/[#*_`>\[\]()]/g, "").replace(/\s+/g, " ").trim();
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
