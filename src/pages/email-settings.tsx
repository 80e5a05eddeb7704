/** `/settings/email`: how often notifications are emailed, which ones, and how much the emails say. */
import type { EmailChoices } from "../../db/email-settings.ts";
import type { AddressState } from "../email-address.ts";
import { EMAIL_KINDS, FREQUENCIES } from "../email-settings.ts";
import { type AddressFormState, EmailAddressSection } from "./email-address.tsx";
import { Csrf, Notice, Problems } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

export function EmailSettingsPage(props: {
  page: PageInfo;
  choices: EmailChoices;
  hasAddress: boolean;
  /** The address, its confirmation, and the change waiting for its link. */
  address: AddressState;
  addressNotice?: string;
  addressProblem?: AddressFormState;
  emailEnabled: boolean;
  schedule: { hour: number; weekday: number; timeZone: string };
  /** The last attempts to email the member failed. */
  failing?: { attempts: number; retryAt: Date };
  saved?: boolean;
  errors?: string[];
}) {
  const c = props.choices;
  const s = props.schedule;
  const at = `${String(s.hour).padStart(2, "0")}:00${s.timeZone === "UTC" ? " UTC" : ` (${s.timeZone} time)`}`;
  const day = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][s.weekday];
  return (
    <Layout title="Email notifications" page={props.page}>
      <h1>Email notifications</h1>
      <p>
        Your <a href="/notifications">notifications</a> are always on this site. You can also have them emailed to you.
      </p>
      {props.emailEnabled ? null : (
        <p class="warning" role="note">
          This server does not send email at the moment (its administrators have not set it up). You can make your
          choices now; nothing is sent until they do.
        </p>
      )}
      {props.hasAddress ? null : (
        <p class="warning" role="note">
          Your account has no email address, so no email can be sent to you. Your notifications stay on the
          notifications page. You can add an address below.
        </p>
      )}
      <EmailAddressSection csrf={props.page.csrf} state={props.address} emailEnabled={props.emailEnabled}
        notice={props.addressNotice} problem={props.addressProblem} />
      <h2 id="choices-heading">Your choices</h2>
      {props.saved ? <Notice>Your email choices were saved.</Notice> : null}
      <Problems errors={props.errors} />
      {props.failing
        ? (
          <p class="warning" role="note">
            We could not email you the last {props.failing.attempts === 1 ? "time" : `${props.failing.attempts} times`} (the
            mail server refused or could not be reached). We will try again after{" "}
            <time datetime={props.failing.retryAt.toISOString()}>{props.failing.retryAt.toUTCString()}</time>; your
            notifications wait until then.
          </p>
        )
        : null}
      <form method="post" action="/settings/email">
        <Csrf token={props.page.csrf} />
        <fieldset class="field">
          <legend>How often</legend>
          <p class="hint">Daily digests go out at {at}; weekly ones on {day}s at the same time.</p>
          {Object.entries(FREQUENCIES).map(([value, label]) => (
            <p class="choice">
              <input type="radio" id={`frequency-${value}`} name="frequency" value={value} checked={c.frequency === value}
                disabled={value !== "off" && !props.hasAddress} />
              <label for={`frequency-${value}`}>{label}</label>
            </p>
          ))}
        </fieldset>
        <fieldset class="field">
          <legend>Which notifications</legend>
          {Object.entries(EMAIL_KINDS).map(([key, label]) => {
            const name = key.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
            return (
              <p class="choice">
                <input type="checkbox" id={name} name={name} value="yes" checked={c[key as keyof typeof EMAIL_KINDS]} />
                <label for={name}>{label}</label>
              </p>
            );
          })}
        </fieldset>
        <fieldset class="field">
          <legend>What the emails say</legend>
          <p class="hint">
            Emails pass through other companies' servers and often show on a locked phone's screen. So by default
            they only say how many notifications you have, never a group's name, a thread's title, what anyone
            wrote or who wrote it.
          </p>
          <p class="choice">
            <input type="checkbox" id="show_details" name="show_details" value="yes" checked={c.showDetails} />
            <label for="show_details">
              Show group names, thread titles, short excerpts and members' names in subject lines, previews and emails
              (never for private or local-only groups, nor for posts moderators removed)
            </label>
          </p>
        </fieldset>
        <p><button type="submit">Save email choices</button></p>
      </form>
      <p class="hint">Every email has a link that turns email off in one click, without logging in.</p>
      <p><a href="/settings">Back to profile and settings</a></p>
    </Layout>
  );
}

/** The page an unsubscribe link opens: one button, so that link scanners change nothing. */
export function UnsubscribePage(props: { page: PageInfo; token: string; done?: boolean; unknown?: boolean }) {
  return (
    <Layout title="Stop notification emails" page={props.page}>
      <h1>Stop notification emails</h1>
      {props.unknown
        ? <p>This link is not valid (any more). Log in and open <a href="/settings/email">your email settings</a> instead.</p>
        : props.done
        ? (
          <>
            <Notice>You will get no more notification emails.</Notice>
            <p>Your notifications stay on the site. You can turn emails on again in <a href="/settings/email">your email settings</a>.</p>
          </>
        )
        : (
          <form method="post" action={`/email/unsubscribe/${props.token}`}>
            <p>Stop all notification emails from {props.page.instanceName}?</p>
            <p><button type="submit">Stop emails</button></p>
          </form>
        )}
    </Layout>
  );
}
