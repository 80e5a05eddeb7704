/** A local group's settings and its pending requests to join, for its owner, moderators and the admins. */
import type { Actor, Group, GroupVisibility, JoinPolicy } from "../../db/schema.ts";
import { VISIBILITY_EXPLAINED } from "../group-settings.ts";
import { AUDIENCE_LABELS } from "../caregivers.ts";
import { AUDIENCES } from "../groups.ts";
import { Csrf, Field, Notice, Problems, TextArea } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import { groupPath, type PageInfo } from "./page-info.ts";

const VISIBILITY_LABELS: Record<GroupVisibility, string> = {
  public: "Public",
  private: "Private",
  local: "Local-only",
};

const JOIN_LABELS: Record<JoinPolicy, string> = {
  open: "Anyone can join at once",
  approval: "A moderator approves each request to join",
};

function groupName(group: Actor): string {
  return group.name ?? group.username;
}

/** The form's values: the group's, or what was just sent. */
export interface SettingsValues {
  name: string;
  description: string;
  rules: string;
  joinPolicy: string;
  visibility: string;
  /** Whom the group is for (src/caregivers.ts). */
  audience: string;
  holdFirstPosts: string;
  welcome: string;
  /** A thread's id, or "" for none. */
  introductionsThreadId: string;
  /** Condition tags, one per line: `CODE label`. */
  conditionTags: string;
  /** Language tags, separated by spaces or commas. */
  languages: string;
  /** "on" when a public group may be listed in other instances' directories. */
  listedElsewhere: string;
}

export function settingsValues(group: Group): SettingsValues {
  return {
    name: group.name,
    description: group.summary_source,
    rules: group.rules_source,
    joinPolicy: group.join_policy,
    visibility: group.visibility,
    audience: group.audience,
    holdFirstPosts: String(group.hold_first_posts),
    welcome: group.welcome_source,
    introductionsThreadId: group.introductions_post_id == null ? "" : String(group.introductions_post_id),
    conditionTags: group.condition_tags.map((t) => t.label ? `${t.code} ${t.label}` : t.code).join("\n"),
    languages: group.languages.join(", "),
    listedElsewhere: group.listed_elsewhere ? "on" : "",
  };
}

export function GroupSettingsPage(props: {
  page: PageInfo;
  group: Actor;
  values: SettingsValues;
  /** The group's newest threads, to choose the introductions thread from. */
  threads: { id: number; title: string | null }[];
  errors?: string[];
  saved?: boolean;
}) {
  const { page, group, values } = props;
  const action = `/g/${group.id}/settings`;
  return (
    <Layout title={`Group settings · ${groupName(group)}`} page={page}>
      <p class="breadcrumb"><a href={groupPath(group)}>{groupName(group)}</a></p>
      <h1>Group settings</h1>
      <Problems errors={props.errors} />
      {props.saved ? <Notice>Saved. Members on other servers get the new name and description.</Notice> : null}
      <p>
        Keyword rules, pinned resources: <a href={`/g/${group.id}/settings/moderation`}>moderation settings</a>.
        Requests to join: <a href={`/g/${group.id}/requests`}>pending requests</a>. Who read the group's private
        content because of their role (for the owner and the admins): <a href={`/g/${group.id}/access-log`}>access log</a>.
      </p>
      <form method="post" action={action}>
        <Csrf token={page.csrf} />
        <Field id="name" name="name" label="Name" required maxlength={100} value={values.name} />
        <TextArea id="description" name="description" label="Description" rows={5} maxlength={10000} value={values.description}
          hint="Markdown. Shown in the directory and on the group page, also to people who are not members." />
        <TextArea id="rules" name="rules" label="Group rules" rows={8} maxlength={10000} value={values.rules}
          hint="Markdown. Shown on the group page and when members write a post." />
        <fieldset class="field">
          <legend>Who can read the group</legend>
          {(["public", "private", "local"] as const).map((v) => (
            <p class="choice">
              <input type="radio" name="visibility" id={`visibility-${v}`} value={v} checked={values.visibility === v}
                aria-describedby={`visibility-${v}-hint`} />{" "}
              <label for={`visibility-${v}`}>{VISIBILITY_LABELS[v]}</label>
              <span class="hint" id={`visibility-${v}-hint`}>{VISIBILITY_EXPLAINED[v]}</span>
            </p>
          ))}
        </fieldset>
        <fieldset class="field">
          <legend>Who the group is for</legend>
          {AUDIENCES.map((a) => (
            <p class="choice">
              <input type="radio" name="audience" id={`audience-${a}`} value={a} checked={values.audience === a} />{" "}
              <label for={`audience-${a}`}>{AUDIENCE_LABELS[a]}</label>
            </p>
          ))}
          <span class="hint">
            Shown on the group page and in the directory. Everyone can still join; members choose the badge they show here
            (patient, caregiver / family, supporter). A patients' group can also open a caregivers' space beside it, from
            its page.
          </span>
        </fieldset>
        <fieldset class="field">
          <legend>Joining</legend>
          {(["open", "approval"] as const).map((j) => (
            <p class="choice">
              <input type="radio" name="joinPolicy" id={`join-${j}`} value={j} checked={values.joinPolicy === j} />{" "}
              <label for={`join-${j}`}>{JOIN_LABELS[j]}</label>
            </p>
          ))}
          <span class="hint">A private group always needs approval, whatever is chosen here.</span>
        </fieldset>
        <Field id="holdFirstPosts" name="holdFirstPosts" label="Review the first posts of each new member" type="number"
          value={values.holdFirstPosts} required
          hint="How many of a new member's first posts wait for a moderator: 0 turns this off." />
        <h2>Finding the group</h2>
        <TextArea id="conditionTags" name="conditionTags" label="Condition tags" rows={4} value={values.conditionTags}
          hint={"One per line: a code, then a label if you like. ICD-10 (for example ICD10:C50 or ICD10:C50.9) or " +
            "Orphanet (for example ORPHA:558 Marfan syndrome). At most 10. People find the group by these codes, " +
            "here and on other servers."} />
        <Field id="languages" name="languages" label="Languages" value={values.languages}
          hint="Language tags, separated by commas: for example en, fr, pt-BR." />
        <p class="field choice">
          <input type="checkbox" id="listedElsewhere" name="listedElsewhere" value="on" checked={values.listedElsewhere === "on"}
            aria-describedby="listedElsewhere-hint" />{" "}
          <label for="listedElsewhere">List this group in other servers' directories</label>
          <span class="hint" id="listedElsewhere-hint">
            Only for a public group: its name, description, tags, languages, member count and how active it is are
            published in this server's machine-readable directory, which other servers read to list it. Private and
            local-only groups are never listed.
          </span>
        </p>
        <h2>Welcoming new members</h2>
        <TextArea id="welcome" name="welcome" label="Welcome message" rows={6} maxlength={5000} value={values.welcome}
          hint="Markdown. Shown to each new member when they join, with the group rules and pinned resources." />
        <p class="field">
          <label for="introductionsThreadId">Introductions thread<span class="optional"> (optional)</span></label>
          <span class="hint" id="introductionsThreadId-hint">
            New members are invited to introduce themselves there. Start a thread first, then choose it here.
          </span>
          <select id="introductionsThreadId" name="introductionsThreadId" aria-describedby="introductionsThreadId-hint">
            <option value="" selected={values.introductionsThreadId === ""}>None</option>
            {props.threads.some((t) => String(t.id) === values.introductionsThreadId) || values.introductionsThreadId === ""
              ? null
              : <option value={values.introductionsThreadId} selected>Thread {values.introductionsThreadId}</option>}
            {props.threads.map((t) => (
              <option value={String(t.id)} selected={String(t.id) === values.introductionsThreadId}>{t.title ?? `Thread ${t.id}`}</option>
            ))}
          </select>
        </p>
        <p><button type="submit">Save settings</button></p>
      </form>
    </Layout>
  );
}

/** Asked before a group becomes less private: the form again, with the values carried and a confirmation. */
export function ConfirmLessPrivatePage(props: {
  page: PageInfo;
  group: Actor;
  from: GroupVisibility;
  values: SettingsValues;
}) {
  const { page, group, values } = props;
  const to = values.visibility as GroupVisibility;
  return (
    <Layout title={`Make the group less private? · ${groupName(group)}`} page={page}>
      <p class="breadcrumb"><a href={groupPath(group)}>{groupName(group)}</a></p>
      <h1>Make “{groupName(group)}” less private?</h1>
      <div class="warning" role="alert">
        <h2>
          From {VISIBILITY_LABELS[props.from].toLowerCase()} to {VISIBILITY_LABELS[to].toLowerCase()}
        </h2>
        <p>{VISIBILITY_EXPLAINED[to]}</p>
        <p>
          This applies to everything already posted in the group, too. Members wrote it for a smaller audience: tell
          them before you change this.
        </p>
      </div>
      <form method="post" action={`/g/${group.id}/settings`}>
        <Csrf token={page.csrf} />
        {Object.entries(values).map(([k, v]) => <input type="hidden" name={k} value={v} />)}
        <input type="hidden" name="confirm" value="yes" />
        <p>
          <button type="submit" class="danger">Yes, make it {VISIBILITY_LABELS[to].toLowerCase()}</button>{" "}
          <a href={`/g/${group.id}/settings`}>No, keep it {VISIBILITY_LABELS[props.from].toLowerCase()}</a>
        </p>
      </form>
    </Layout>
  );
}

/** Asked before a group becomes private when members on servers that are not partners would be removed. */
export function ConfirmRemoveMembersPage(props: {
  page: PageInfo;
  group: Actor;
  count: number;
  servers: string;
  values: SettingsValues;
  confirmedLessPrivate: boolean;
}) {
  const { page, group, values } = props;
  const members = props.count === 1 ? "1 member" : `${props.count} members`;
  return (
    <Layout title={`Remove members on other servers? · ${groupName(group)}`} page={page}>
      <p class="breadcrumb"><a href={groupPath(group)}>{groupName(group)}</a></p>
      <h1>Make “{groupName(group)}” private and remove {members}?</h1>
      <div class="warning" role="alert">
        <h2>{members} on servers that are not partners</h2>
        <p>{props.servers}</p>
        <p>
          A private group keeps members only on this server and on partner servers. These members will be removed, and
          their servers told that they are no longer members. Nothing more is sent to those servers,
          and nothing they send (posts, replies, votes) is taken in. They can ask to join again only once an admin of this
          server makes their server a partner. Requests to join from those servers stay on the requests page, where
          they cannot be approved until then.
        </p>
      </div>
      <form method="post" action={`/g/${group.id}/settings`}>
        <Csrf token={page.csrf} />
        {Object.entries(values).map(([k, v]) => <input type="hidden" name={k} value={v} />)}
        {props.confirmedLessPrivate ? <input type="hidden" name="confirm" value="yes" /> : null}
        <input type="hidden" name="confirmRemove" value="yes" />
        <p>
          <button type="submit" class="danger">Yes, make it private and remove {members}</button>{" "}
          <a href={`/g/${group.id}/settings`}>No, keep it as it is</a>
        </p>
      </form>
    </Layout>
  );
}

export interface JoinRequestView {
  actor: Actor;
  /** "the admins of X will be able to read this group from now on" (src/membership.ts#newServerWarning). */
  warning?: string;
  /** Why it cannot be approved (src/membership.ts#approvalRefusal). */
  refusal?: string;
}

export function JoinRequestsPage(props: { page: PageInfo; group: Actor; requests: JoinRequestView[]; errors?: string[]; done?: string }) {
  const { page, group } = props;
  return (
    <Layout title={`Requests to join · ${groupName(group)}`} page={page}>
      <p class="breadcrumb"><a href={groupPath(group)}>{groupName(group)}</a></p>
      <h1>Requests to join</h1>
      <Problems errors={props.errors} />
      {props.done ? <Notice>{props.done}</Notice> : null}
      {props.requests.length === 0 ? <p>No one is waiting.</p> : null}
      <ul class="join-requests">
        {props.requests.map(({ actor, warning, refusal }) => {
          const who = `${actor.name ?? actor.username} (@${actor.username}@${actor.host})`;
          return (
            <li id={`request-${actor.id}`}>
              <p><strong>{actor.name ?? actor.username}</strong> <span class="handle">@{actor.username}@{actor.host}</span></p>
              {warning ? <p class="warning">{warning}</p> : null}
              {refusal ? <p class="warning">Cannot be approved: {refusal}.</p> : null}
              <form method="post" action={`/g/${group.id}/requests/${actor.id}`} class="inline">
                <Csrf token={page.csrf} />
                {refusal ? null : (
                  <>
                    <button type="submit" name="decision" value="approve">Approve<span class="visually-hidden"> {who}</span></button>{" "}
                  </>
                )}
                <button type="submit" name="decision" value="reject" class="secondary">Reject<span class="visually-hidden"> {who}</span></button>
              </form>
            </li>
          );
        })}
      </ul>
    </Layout>
  );
}
