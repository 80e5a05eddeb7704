/** The instance federation policy page (/admin/federation): mode and domain rules. */
import type { DirectoryPeer } from "../../db/directory.ts";
import type { FederationPolicyView } from "../federation-policy.ts";
import { Csrf, Field, Notice, Problems } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

const MODES = [
  { value: "open", label: "Open: federate with every server except blocked domains" },
  { value: "allowlist", label: "Allowlist: federate only with domains marked allowed (or partner)" },
  { value: "closed", label: "Closed: no federation at all" },
] as const;

const ACTIONS = [
  { value: "block", label: "Block: nothing in, nothing out" },
  { value: "allow", label: "Allow (for allowlist mode)" },
  { value: "limit", label: "Limit: accepted, but our groups do not pass their posts on" },
  { value: "reject_media", label: "Reject media: their images and attachment links are dropped" },
  { value: "partner", label: "Partner: may receive private-group content (when private groups arrive)" },
] as const;

export function FederationPolicyPage(
  props: {
    page: PageInfo;
    policy: FederationPolicyView;
    errors?: string[];
    notice?: string;
    /** Servers whose group directories we read (federation/group-directory.ts). */
    directoryPeers?: (DirectoryPeer & { groups: number })[];
    /** The outcome of a refresh just run, a line per server. */
    refreshed?: string[];
  },
) {
  const { page, policy } = props;
  return (
    <Layout title="Federation policy" page={page}>
      <h1>Federation policy</h1>
      <p><a href="/admin">Back to instance administration</a></p>
      {props.notice ? <Notice>{props.notice}</Notice> : null}
      <Problems errors={props.errors} />
      <section aria-labelledby="mode-heading">
        <h2 id="mode-heading">Mode</h2>
        <form method="post" action="/admin/federation/mode">
          <Csrf token={page.csrf} />
          <fieldset>
            <legend>Which servers this instance federates with</legend>
            {MODES.map((m) => (
              <p class="field">
                <input type="radio" id={`mode-${m.value}`} name="mode" value={m.value} checked={policy.mode === m.value} />{" "}
                <label for={`mode-${m.value}`}>{m.label}</label>
              </p>
            ))}
          </fieldset>
          <p><button type="submit">Save mode</button></p>
        </form>
      </section>
      <section aria-labelledby="rules-heading">
        <h2 id="rules-heading">Domain rules</h2>
        {policy.rules.length === 0 ? <p>No rules.</p> : (
          <table>
            <thead><tr><th scope="col">Domain</th><th scope="col">Rule</th><th scope="col">Reason</th><th scope="col">Remove</th></tr></thead>
            <tbody>
              {policy.rules.map((r) => (
                <tr>
                  <td>{r.domain}</td>
                  <td>{r.action.replace("_", " ")}</td>
                  <td>{r.reason}</td>
                  <td>
                    <form method="post" action="/admin/federation/remove" class="inline">
                      <Csrf token={page.csrf} />
                      <input type="hidden" name="domain" value={r.domain} />
                      <button type="submit" class="secondary">Remove all rules of {r.domain}</button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h3>Add a rule</h3>
        <form method="post" action="/admin/federation/rules">
          <Csrf token={page.csrf} />
          <Field id="rule-domain" name="domain" label="Domain" required maxlength={260}
            hint="example.org covers that host and its subdomains on any port; example.org:8443 only that port" />
          <p class="field">
            <label for="rule-action">Rule</label>
            <select id="rule-action" name="action">
              {ACTIONS.map((a) => <option value={a.value}>{a.label}</option>)}
            </select>
          </p>
          <Field id="rule-reason" name="reason" label="Reason (optional)" maxlength={500} />
          <p><button type="submit">Add rule</button></p>
        </form>
      </section>
      <section aria-labelledby="directory-heading">
        <h2 id="directory-heading">Group directory</h2>
        <p>
          The groups directory (<a href="/groups">/groups</a>) also lists the public groups of the servers this one
          federates with: those with an allow or partner rule, and those where members or groups follow or are followed
          from here. Workers fetch their directories every few hours; blocked servers are never asked and their groups
          are removed.
        </p>
        {props.refreshed ? <ul aria-label="Refresh results">{props.refreshed.map((l) => <li>{l}</li>)}</ul> : null}
        {props.directoryPeers && props.directoryPeers.length > 0
          ? (
            <table>
              <thead>
                <tr><th scope="col">Server</th><th scope="col">Groups</th><th scope="col">Last fetched</th><th scope="col">Last problem</th></tr>
              </thead>
              <tbody>
                {props.directoryPeers.map((p) => (
                  <tr>
                    <td>{p.host}</td>
                    <td>{p.groups}</td>
                    <td>{p.last_success_at ? p.last_success_at.toISOString().replace("T", " ").slice(0, 16) : "never"}</td>
                    <td>{p.last_error && (p.last_success_at == null || (p.last_attempt_at ?? 0) > p.last_success_at) ? p.last_error : ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
          : <p>No directories fetched yet.</p>}
        <form method="post" action="/admin/federation/directory-refresh">
          <Csrf token={page.csrf} />
          <p><button type="submit">Fetch directories now</button></p>
        </form>
      </section>
    </Layout>
  );
}
