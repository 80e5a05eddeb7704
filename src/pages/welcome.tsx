/** What a group shows a member who just joined: welcome, rules, resources, introductions (src/onboarding.ts). */
import { raw } from "hono/html";
import type { Actor } from "../../db/schema.ts";
import type { WelcomeView } from "../onboarding.ts";
import { Layout } from "./layout.tsx";
import { groupPath, type PageInfo } from "./page-info.ts";

export function WelcomePage({ page, group, view }: { page: PageInfo; group: Actor; view: WelcomeView }) {
  const name = group.name ?? group.username;
  return (
    <Layout title={`Welcome to ${name}`} page={page}>
      <p class="breadcrumb"><a href={groupPath(group)}>{name}</a></p>
      <h1>Welcome to {name}</h1>
      {view.welcomeHtml ? <section class="welcome-message" aria-label="Welcome message">{raw(view.welcomeHtml)}</section> : null}
      {view.introductions
        ? (
          <p class="introductions">
            New here? Say hello in <a href={view.introductions.path}>{view.introductions.title}</a>, the group's
            introductions thread. Share only what you are comfortable with.
          </p>
        )
        : null}
      <section aria-labelledby="welcome-rules">
        <h2 id="welcome-rules">Group rules</h2>
        {view.rulesHtml ? <div class="rules">{raw(view.rulesHtml)}</div> : <p>This group has no rules of its own.</p>}
        <p>The <a href="/guidelines">community guidelines</a> of this server apply too.</p>
      </section>
      {view.resources.length > 0
        ? (
          <section aria-labelledby="welcome-resources">
            <h2 id="welcome-resources">Reliable information</h2>
            <ul class="group-resources">
              {view.resources.map((r) => (
                <li><a href={r.url} rel="nofollow noopener noreferrer">{r.title}</a>{r.description ? ` — ${r.description}` : null}</li>
              ))}
            </ul>
          </section>
        )
        : null}
      <p><a class="button" href={groupPath(group)}>Go to the group</a></p>
    </Layout>
  );
}

/**
 * On the group page for a member of a group here: right after joining, the
 * welcome message and the introductions thread; in their first weeks, where
 * the welcome is.
 */
export function NewMemberNotice({ group, view, justJoined }: { group: Actor; view: WelcomeView; justJoined: boolean }) {
  const intro = view.introductions;
  return (
    <aside class="notice new-member" aria-labelledby="new-member-heading">
      {justJoined
        ? <h2 id="new-member-heading">Welcome to {group.name ?? group.username}</h2>
        : <h2 id="new-member-heading"><span class="badge new-here">New here</span> Welcome</h2>}
      {justJoined && view.welcomeHtml ? <div class="welcome-message">{raw(view.welcomeHtml)}</div> : null}
      <p>
        Read the <a href={`/g/${group.id}/welcome`}>group's welcome, rules and resources</a>
        {intro ? <>, and introduce yourself in <a href={intro.path}>{intro.title}</a></> : null}.
      </p>
    </aside>
  );
}
