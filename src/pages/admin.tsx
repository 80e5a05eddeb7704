/** The instance admin page: suspensions, instance-wide blocks, the clinician badge. */
import { Csrf, Field, Notice, Problems } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

export interface AdminLists {
  suspended: { username: string; display_name: string; suspended_at: Date | null; suspended_reason: string | null }[];
  blocked: { id: number; uri: string; username: string; host: string; blocked_reason: string | null }[];
}

function ActionForm(props: { page: PageInfo; action: string; id: string; label: string; button: string; reason?: boolean }) {
  return (
    <form method="post" action={props.action}>
      <Csrf token={props.page.csrf} />
      <Field id={`${props.id}-who`} name="who" label={props.label} required />
      {props.reason ? <Field id={`${props.id}-reason`} name="reason" label="Reason" maxlength={500} /> : null}
      <p><button type="submit">{props.button}</button></p>
    </form>
  );
}

export function AdminPage(props: { page: PageInfo; lists: AdminLists; errors?: string[]; notice?: string }) {
  const { page, lists } = props;
  return (
    <Layout title="Instance administration" page={page}>
      <h1>Instance administration</h1>
      {props.notice ? <Notice>{props.notice}</Notice> : null}
      <Problems errors={props.errors} />
      <p><a href="/admin/federation">Federation policy: mode and rules for other servers</a></p>
      <p><a href="/admin/guidelines">Community guidelines: publish a new version, see the earlier ones</a></p>
      <p><a href="/admin/access-log">Access log: reads of private content by admins and moderators</a></p>
      <section aria-labelledby="suspend-heading">
        <h2 id="suspend-heading">Suspend a member</h2>
        <p class="hint">A suspended member cannot log in; their sessions and API tokens end at once.</p>
        <ActionForm page={page} action="/admin/suspend" id="suspend" label="Username" button="Suspend" reason />
        <h3>Suspended members</h3>
        {lists.suspended.length === 0 ? <p>None.</p> : (
          <ul>
            {lists.suspended.map((a) => (
              <li>
                {a.display_name} (@{a.username}){a.suspended_reason ? `: ${a.suspended_reason}` : ""}
                <form method="post" action="/admin/unsuspend" class="inline">
                  <Csrf token={page.csrf} />
                  <input type="hidden" name="who" value={a.username} />{" "}
                  <button type="submit" class="secondary">Reinstate {a.username}</button>
                </form>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="block-heading">
        <h2 id="block-heading">Block a remote account or group</h2>
        <p class="hint">Nothing from it is accepted or shown here, and nothing is sent to it.</p>
        <ActionForm page={page} action="/admin/block" id="block" label="Handle (@name@host) or address" button="Block" reason />
        <h3>Blocked</h3>
        {lists.blocked.length === 0 ? <p>None.</p> : (
          <ul>
            {lists.blocked.map((b) => (
              <li>
                @{b.username}@{b.host}{b.blocked_reason ? `: ${b.blocked_reason}` : ""}
                <form method="post" action="/admin/unblock" class="inline">
                  <Csrf token={page.csrf} />
                  <input type="hidden" name="who" value={String(b.id)} />{" "}
                  <button type="submit" class="secondary">Unblock @{b.username}@{b.host}</button>
                </form>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="clinician-heading">
        <h2 id="clinician-heading">Verified clinician badge</h2>
        <p class="hint">
          Grant it after your own check of the member's credentials. Kindred records only the date, nothing about the check.
        </p>
        <ActionForm page={page} action="/admin/clinician/grant" id="grant" label="Username" button="Grant badge" />
        <ActionForm page={page} action="/admin/clinician/revoke" id="revoke" label="Username" button="Revoke badge" />
      </section>
    </Layout>
  );
}
