/** The front page: the instance and its support groups. */
import type { DirectoryEntry } from "../../db/web-groups.ts";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

export function HomePage(props: { page: PageInfo; host: string; groups: DirectoryEntry[] }) {
  const { page, groups } = props;
  return (
    <Layout title={page.instanceName} page={page}>
      <h1>{page.instanceName}</h1>
      <p class="lead">Support communities for people living with illness, and for those who care for them.</p>
      {page.viewer
        ? null
        : (
          <p>
            Read freely. To join a group and post, <a href="/signup">sign up</a> with any name you like: no real
            name needed, and your email is never shown.
          </p>
        )}
      <section aria-labelledby="groups-heading">
        <h2 id="groups-heading">Groups</h2>
        {groups.length === 0
          ? <p>There are no groups here yet.</p>
          : (
            <ul class="group-list">
              {groups.map((g) => (
                <li>
                  <a href={`/@${g.slug}`}>{g.name}</a> <span class="handle">@{g.slug}@{props.host}</span>
                  {g.join_policy === "approval" ? <span class="badge">Approval to join</span> : null}
                </li>
              ))}
            </ul>
          )}
        <p><a href="/groups">Search all groups</a></p>
      </section>
    </Layout>
  );
}
