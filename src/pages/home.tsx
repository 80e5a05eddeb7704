/** The front page: the instance and its support groups. */
import type { Group } from "../../db/schema.ts";
import { Layout } from "./layout.tsx";

export function HomePage(props: { instanceName: string; groups: Group[]; groupUrl: (g: Group) => string; handle: (g: Group) => string }) {
  const { instanceName, groups } = props;
  return (
    <Layout title={instanceName} instanceName={instanceName}>
      <h1>{instanceName}</h1>
      <p class="lead">Support communities for people living with illness, and for those who care for them.</p>
      <section aria-labelledby="groups-heading">
        <h2 id="groups-heading">Groups</h2>
        {groups.length === 0
          ? <p>There are no groups here yet.</p>
          : (
            <ul class="group-list">
              {groups.map((g) => (
                <li>
                  <a href={props.groupUrl(g)}>{g.name}</a>{" "}
                  <span class="handle">{props.handle(g)}</span>
                  {g.join_policy === "approval" ? <span class="badge">Approval to join</span> : null}
                </li>
              ))}
            </ul>
          )}
      </section>
    </Layout>
  );
}
