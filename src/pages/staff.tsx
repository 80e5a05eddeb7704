/** A group's staff and bans page (moderators), and the ban form. */
import type { BanView } from "../../db/bans.ts";
import type { StaffMember } from "../../db/groups.ts";
import type { Actor } from "../../db/schema.ts";
import { BAN_DURATIONS } from "../bans.ts";
import { Csrf, Field, Notice, Problems, TextArea } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import { groupPath, type PageInfo } from "./page-info.ts";

const handle = (a: { username: string; host: string }) => `@${a.username}@${a.host}`;
const ROLE_LABELS = { owner: "Owner", moderator: "Moderator", mentor: "Mentor" } as const;

export function StaffPage(props: {
  page: PageInfo;
  group: Actor;
  staff: StaffMember[];
  bans: BanView[];
  /** Owner or admin: may appoint and dismiss. */
  manages: boolean;
  errors?: string[];
  notice?: string;
  handleValue?: string;
}) {
  const { group, page } = props;
  const name = group.name ?? group.username;
  return (
    <Layout title={`Staff and bans: ${name}`} page={page}>
      <p class="breadcrumb"><a href={groupPath(group)}>{name}</a></p>
      <h1>Staff and bans</h1>
      {props.notice ? <Notice>{props.notice}</Notice> : null}
      <Problems errors={props.errors} />
      <section aria-labelledby="staff-heading">
        <h2 id="staff-heading">Staff</h2>
        <ul class="thread-list">
          {props.staff.map((s) => (
            <li>
              {s.name ?? s.username} <span class="handle">{handle(s)}</span> <span class="badge">{ROLE_LABELS[s.role]}</span>
              {props.manages && s.role !== "owner"
                ? (
                  <form method="post" action={`/g/${group.id}/staff/${s.actor_id}/dismiss`} class="inline">
                    <Csrf token={page.csrf} />{" "}
                    <button type="submit" class="secondary">Dismiss {s.username}</button>
                  </form>
                )
                : null}
            </li>
          ))}
        </ul>
        {props.manages
          ? (
            <form method="post" action={`/g/${group.id}/staff`}>
              <Csrf token={page.csrf} />
              <h3>Appoint</h3>
              <Field id="staff-handle" name="handle" label="Member" required value={props.handleValue}
                hint="A username on this server, or @name@host for someone on another server." />
              <fieldset class="field">
                <legend>Role</legend>
                <p class="choice">
                  <input type="radio" id="role-moderator" name="role" value="moderator" checked />
                  <label for="role-moderator">Moderator: removes posts, bans members</label>
                </p>
                <p class="choice">
                  <input type="radio" id="role-mentor" name="role" value="mentor" />
                  <label for="role-mentor">Mentor: a badge next to their name, no moderation powers</label>
                </p>
              </fieldset>
              <p><button type="submit">Appoint</button></p>
            </form>
          )
          : null}
      </section>
      <section aria-labelledby="bans-heading">
        <h2 id="bans-heading">Banned members</h2>
        {props.bans.length === 0 ? <p>Nobody is banned.</p> : (
          <ul class="thread-list">
            {props.bans.map((b) => (
              <li>
                {b.name ?? b.username} <span class="handle">{handle(b)}</span>
                <br />
                <span class="meta">
                  {b.expires_at ? `until ${b.expires_at.toUTCString()}` : "until lifted"}
                  {b.reason ? ` · reason: ${b.reason}` : ""}
                </span>
                <form method="post" action={`/g/${group.id}/bans/${b.actor_id}/lift`} class="inline">
                  <Csrf token={page.csrf} />{" "}
                  <button type="submit" class="secondary">Lift ban on {b.username}</button>
                </form>
              </li>
            ))}
          </ul>
        )}
      </section>
    </Layout>
  );
}

export function BanPage(props: { page: PageInfo; group: Actor; target: Actor; errors?: string[]; reason?: string }) {
  const { group, target, page } = props;
  return (
    <Layout title={`Ban ${target.name ?? target.username}`} page={page}>
      <p class="breadcrumb"><a href={groupPath(group)}>{group.name ?? group.username}</a></p>
      <h1>Ban {target.name ?? target.username} from {group.name ?? group.username}</h1>
      <p class="handle">{handle(target)}</p>
      <Problems errors={props.errors} />
      <form method="post" action={`/g/${group.id}/ban`}>
        <Csrf token={page.csrf} />
        <input type="hidden" name="actor" value={String(target.id)} />
        <TextArea id="ban-reason" name="reason" label="Reason" required maxlength={500} rows={3} value={props.reason}
          hint="The member is told this reason, and it appears in the group's moderation log." />
        <fieldset class="field">
          <legend>How long</legend>
          {BAN_DURATIONS.map((d, i) => (
            <p class="choice">
              <input type="radio" id={`ban-days-${i}`} name="days" value={d.days == null ? "permanent" : String(d.days)}
                checked={i === 1} />
              <label for={`ban-days-${i}`}>{d.label}</label>
            </p>
          ))}
        </fieldset>
        <p class="choice">
          <input type="checkbox" id="ban-remove" name="removeData" value="on" />
          <label for="ban-remove">Also remove their posts in this group</label>
        </p>
        <p><button type="submit" class="danger">Ban</button> <a href={groupPath(group)}>Cancel</a></p>
      </form>
    </Layout>
  );
}
