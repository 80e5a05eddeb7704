/** A support group's page (local at its actor URL, remote at /g/:id): about, membership, threads. */
import { raw } from "hono/html";
import type { MemberType } from "../../db/schema.ts";
import type { ThreadListItem, ThreadSort } from "../../db/web-groups.ts";
import type { GroupFacts } from "../web-groups.ts";
import { Csrf } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import { MemberBadge } from "./post-parts.tsx";
import type { WelcomeView } from "../onboarding.ts";
import { NewMemberNotice } from "./welcome.tsx";
import { AudienceBadge, type CaregiverFacts, GroupBadgeForm, JoinAs, MemberFilter, Spaces } from "./caregivers-parts.tsx";
import { groupPath, type PageInfo, postPath } from "./page-info.ts";
import { ConditionTags } from "./directory.tsx";
import { languageName } from "../../policy/condition-tags.ts";

const SORT_LABELS: Record<ThreadSort, string> = { active: "Active", new: "New", top: "Top" };

function Membership({ page, facts, caregivers }: { page: PageInfo; facts: GroupFacts; caregivers: CaregiverFacts }) {
  const id = facts.actor.id;
  if (!page.viewer) {
    return (
      <p class="membership">
        <a href={`/login?next=${encodeURIComponent(groupPath(facts.actor))}`}>Log in</a> or{" "}
        <a href="/signup">sign up</a> to join this group. You can read it without an account.
      </p>
    );
  }
  if (facts.membership === "accepted") {
    return (
      <div class="membership">
        <p>You are a member. <a class="button" href={`/g/${id}/new`}>Start a thread</a>{" "}
          <a class="button" href={`/g/${id}/polls/new`}>Start a poll</a></p>
        <p><a href={`/g/${id}/feedback/new`}>Send feedback to the group's managers</a></p>
        <GroupBadgeForm facts={caregivers} page={page} groupId={id} />{" "}
        <form method="post" action={`/g/${id}/leave`} class="inline">
          <Csrf token={page.csrf} />
          <button type="submit" class="secondary">Leave group</button>
        </form>
      </div>
    );
  }
  if (facts.membership === "pending") {
    return (
      <div class="membership">
        <p><span class="badge">Request pending</span> Your request to join is waiting for a moderator.</p>
        <GroupBadgeForm facts={caregivers} page={page} groupId={id} />{" "}
        <form method="post" action={`/g/${id}/leave`} class="inline">
          <Csrf token={page.csrf} />
          <button type="submit" class="secondary">Cancel request</button>
        </form>
      </div>
    );
  }
  return (
    <form method="post" action={`/g/${id}/join`} class="membership">
      <Csrf token={page.csrf} />
      <JoinAs facts={caregivers} />{" "}
      <button type="submit">{facts.actor.manually_approves_followers ? "Ask to join" : "Join group"}</button>
    </form>
  );
}

function ThreadItem({ t, badge }: { t: ThreadListItem; badge?: MemberType }) {
  const score = t.like_count - t.dislike_count;
  return (
    <li class="thread-item">
      {t.pinned_at ? <span class="badge pinned">Pinned</span> : null}
      <a href={postPath(t)} class="thread-title">{t.title ?? "(untitled)"}</a>
      {t.summary ? <span class="badge cw">CW: {t.summary}</span> : null}
      {t.locked_at ? <span class="badge locked">Locked</span> : null}
      {t.removed_at ? <span class="badge removed">Removed (moderators see this)</span> : null}
      <br />
      <span class="meta">
        by {t.author_name ?? t.author_username}
        <MemberBadge type={badge} /> · {t.reply_count} {t.reply_count === 1 ? "reply" : "replies"} · {score}{" "}
        {score === 1 || score === -1 ? "point" : "points"} · active{" "}
        <time datetime={t.last_activity_at.toISOString()}>{t.last_activity_at.toUTCString()}</time>
      </span>
    </li>
  );
}

/** The questionnaire: a reminder only for members who chose to take part; one quiet link for the others. */
function OutcomesNotice({ groupId, state }: { groupId: number; state?: "due" | "taking" | "offered" }) {
  if (state === "due") {
    return (
      <p class="notice outcomes-due" role="status">
        Your questionnaire is due. <a href={`/g/${groupId}/outcomes/me`}>Answer it now</a> (it takes a few minutes).
      </p>
    );
  }
  if (state === "taking") return <p class="hint"><a href={`/g/${groupId}/outcomes/me`}>Your questionnaire scores</a></p>;
  if (state === "offered") return <p class="hint"><a href={`/g/${groupId}/outcomes/me`}>This group's optional questionnaire</a></p>;
  return null;
}

/** Everyone: the moderation log.  The group's moderators: their pages too. */
function ModerationLinks({ group, moderation }: { group: GroupFacts["actor"]; moderation?: { held: number; feedback?: number } }) {
  return (
    <nav aria-label="Moderation" class="moderation-links">
      <ul>
        {moderation
          ? (
            <>
              <li><a href={`/g/${group.id}/moderation`}>Moderation queue</a></li>
              <li><a href={`/g/${group.id}/held`}>Posts awaiting review ({moderation.held})</a></li>
              <li><a href={`/g/${group.id}/dashboard`}>Dashboard</a></li>
              <li><a href={`/g/${group.id}/staff`}>Staff and bans</a></li>
              <li><a href={`/g/${group.id}/settings`}>Group settings: name, description, visibility</a></li>
              <li><a href={`/g/${group.id}/requests`}>Requests to join</a></li>
              <li><a href={`/g/${group.id}/settings/moderation`}>Rules, pre-moderation and resources</a></li>
              <li><a href={`/g/${group.id}/feedback`}>Feedback from members ({moderation.feedback ?? 0} open)</a></li>
              <li><a href={`/g/${group.id}/outcomes`}>Outcome measures: questionnaire and figures</a></li>
            </>
          )
          : null}
        <li><a href={`/g/${group.id}/log`}>Moderation log</a></li>
      </ul>
    </nav>
  );
}

export function GroupPage(props: {
  page: PageInfo;
  facts: GroupFacts;
  threads: ThreadListItem[];
  memberTypes: Map<number, MemberType>;
  /** Whom the group is for, its caregivers' space, the member-type filter (src/caregivers.ts). */
  caregivers: CaregiverFacts;
  /** The viewer joined in the last weeks (src/onboarding.ts): where the welcome is. */
  newMember?: { view: WelcomeView; justJoined: boolean };
  sort: ThreadSort;
  nextCursor?: string;
  /** For the group's moderators: links to their pages. */
  moderation?: { held: number; feedback?: number };
  /** The group's questionnaire, for a member (src/outcomes.ts#groupPageOutcomes). */
  outcomes?: "due" | "taking" | "offered";
}) {
  const { facts, page, sort } = props;
  const group = facts.actor;
  const path = groupPath(group);
  const filter = props.caregivers.filter ? `&member=${props.caregivers.filter}` : "";
  return (
    <Layout title={group.name ?? group.username} page={page} description={facts.handle}>
      <article class="group">
        <h1>{group.name ?? group.username}<AudienceBadge audience={props.caregivers.audience} /></h1>
        <p class="handle">{facts.handle}</p>
        <p>
          {facts.memberCount} {facts.memberCount === 1 ? "member" : "members"}
          {group.local ? "" : " on this server"} ·{" "}
          {group.manually_approves_followers
            ? "New members join after a moderator approves their request."
            : "Anyone can join this group."}
        </p>
        <ConditionTags tags={facts.conditionTags} />
        {facts.languages.length > 0 ? <p class="meta">Languages: {facts.languages.map(languageName).join(", ")}</p> : null}
        <Membership page={page} facts={facts} caregivers={props.caregivers} />
        <Spaces facts={props.caregivers} page={page} groupId={group.id} />
        {props.newMember ? <NewMemberNotice group={group} {...props.newMember} /> : null}
        <OutcomesNotice groupId={group.id} state={props.outcomes} />
        {/* summary_html: Markdown with raw HTML escaped (local) or sanitised on arrival (remote). */}
        <section class="about" aria-labelledby="about-heading">
          <h2 id="about-heading">About</h2>
          {group.summary_html ? raw(group.summary_html) : <p>No description yet.</p>}
        </section>
        {facts.rulesHtml
          ? (
            <section class="rules" aria-labelledby="rules-heading">
              <h2 id="rules-heading">Group rules</h2>
              {raw(facts.rulesHtml)}
            </section>
          )
          : null}
        {facts.resources.length > 0
          ? (
            <section class="resources" aria-labelledby="resources-heading">
              <h2 id="resources-heading">Reliable information</h2>
              <ul class="group-resources">
                {facts.resources.map((r) => (
                  <li>
                    <a href={r.url} rel="noopener noreferrer">{r.title}</a>
                    {r.description ? <span class="hint">{r.description}</span> : null}
                  </li>
                ))}
              </ul>
            </section>
          )
          : null}
        {facts.moderators.length > 0
          ? (
            <section aria-labelledby="mods-heading">
              <h2 id="mods-heading">Moderators</h2>
              <ul>{facts.moderators.map((m) => <li>{m}</li>)}</ul>
            </section>
          )
          : null}
        {facts.mentors.length > 0
          ? (
            <section aria-labelledby="mentors-heading">
              <h2 id="mentors-heading">Mentors</h2>
              <ul>{facts.mentors.map((m) => <li>{m}</li>)}</ul>
            </section>
          )
          : null}
        <ModerationLinks group={group} moderation={props.moderation} />
        <section aria-labelledby="threads-heading">
          <h2 id="threads-heading">Threads</h2>
          <nav aria-label="Sort threads" class="sort">
            <ul>
              {(Object.keys(SORT_LABELS) as ThreadSort[]).map((s) => (
                <li>
                  <a href={`${path}?sort=${s}${filter}`} aria-current={s === sort ? "page" : undefined}>{SORT_LABELS[s]}</a>
                </li>
              ))}
            </ul>
          </nav>
          <MemberFilter path={path} sort={sort} filter={props.caregivers.filter} />
          {props.threads.length === 0
            ? <p>{props.caregivers.filter ? "No threads started by these members yet." : "No threads yet."}</p>
            : (
              <ul class="thread-list">
                {props.threads.map((t) => <ThreadItem t={t} badge={props.memberTypes.get(t.author_id)} />)}
              </ul>
            )}
          {props.nextCursor
            ? <p><a href={`${path}?sort=${sort}${filter}&after=${encodeURIComponent(props.nextCursor)}`} rel="next">Older threads</a></p>
            : null}
        </section>
        {group.local
          ? (
            <p class="hint">
              Follow this group from another Kindred, Lemmy or Mastodon account by searching for <code>{facts.handle}</code>.
            </p>
          )
          : null}
      </article>
    </Layout>
  );
}
