/** A support group's page, served at the same URL as its Group actor. */
import { raw } from "hono/html";
import type { Group } from "../../db/schema.ts";
import { Layout } from "./layout.tsx";

export function GroupPage(props: { instanceName: string; group: Group; handle: string; moderators: string[] }) {
  const { group } = props;
  return (
    <Layout title={group.name} instanceName={props.instanceName} description={group.summary_source.slice(0, 200)}>
      <article class="group">
        <h1>{group.name}</h1>
        <p class="handle">{props.handle}</p>
        <p>
          {group.join_policy === "approval"
            ? "New members join after a moderator approves their request."
            : "Anyone can join this group."}
        </p>
        {/* summary_html is rendered from Markdown with raw HTML escaped (src/markdown.ts). */}
        <section class="about" aria-label="About this group">{raw(group.summary_html)}</section>
        {props.moderators.length > 0
          ? (
            <section aria-labelledby="mods-heading">
              <h2 id="mods-heading">Moderators</h2>
              <ul>{props.moderators.map((m) => <li>{m}</li>)}</ul>
            </section>
          )
          : null}
        <p>
          Follow this group from another Kindred, Lemmy or Mastodon account by searching for{" "}
          <code>{props.handle}</code>.
        </p>
      </article>
    </Layout>
  );
}
