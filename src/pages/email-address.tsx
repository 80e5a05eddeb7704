/** The member's email address on `/settings/email`, and the page a confirmation link opens. */
import type { AddressState } from "../email-address.ts";
import { Csrf, Field, Notice, Problems } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

/** Which address form was sent, with its problems and the address typed. */
export interface AddressFormState {
  form: "change" | "remove" | "resend";
  errors: string[];
  email?: string;
}

function When({ at }: { at: Date }) {
  return <time datetime={at.toISOString()}>{at.toUTCString()}</time>;
}

export function EmailAddressSection(props: {
  csrf: string;
  state: AddressState;
  emailEnabled: boolean;
  /** A message after a change (shown as a notice). */
  notice?: string;
  problem?: AddressFormState;
}) {
  const { state, problem } = props;
  const waiting = state.pending ?? (state.email && !state.confirmed ? { email: state.email } : null);
  return (
    <section aria-labelledby="address-heading">
      <h2 id="address-heading">Your email address</h2>
      {props.notice ? <Notice>{props.notice}</Notice> : null}
      {state.email
        ? (
          <p>
            Your address is <strong>{state.email}</strong>:{" "}
            {state.confirmed
              ? <>confirmed{state.confirmedAt ? <> on <When at={state.confirmedAt} /></> : null}.</>
              : <strong>not confirmed yet</strong>}
          </p>
        )
        : <p>Your account has no email address.</p>}
      {state.email && !state.confirmed
        ? (
          <p class="warning" role="note">
            No notification is emailed to you until you confirm it (so that a mistyped address never gets your
            notifications). {props.emailEnabled
              ? state.pending && state.pending.email !== state.email
                ? null
                : "Open the link we emailed to it, or send the link again below."
              : "This server does not send email at the moment, so the address cannot be confirmed yet."}
          </p>
        )
        : null}
      {state.pending && state.pending.email !== state.email
        ? (
          <p class="warning" role="note">
            We emailed a link to <strong>{state.pending.email}</strong> on <When at={state.pending.sentAt} />.{" "}
            {state.pending.expired
              ? "It has expired: send it again, or change the address."
              : <>Open it by <When at={state.pending.expiresAt} /> to make it your address.</>}{" "}
            {state.email
              ? state.confirmed
                ? "Until then, emails keep going to your current address."
                : "Until then, your current address stays on your account (unconfirmed: nothing is emailed to it)."
              : null}
          </p>
        )
        : null}
      <form method="post" action="/settings/email/address" aria-labelledby="change-heading">
        <h3 id="change-heading">{state.email ? "Change your address" : "Add an address"}</h3>
        {problem?.form === "change" ? <Problems errors={problem.errors} /> : null}
        <Csrf token={props.csrf} />
        <p class="hint">
          {props.emailEnabled
            ? "We email a link to the new address; it becomes your address once you open the link and press the button."
            : "This server does not send email at the moment: the address is saved unconfirmed, and nothing can be sent to it until the server sends email and you confirm it."}
        </p>
        <Field id="new-email" name="email" type="email" label="New email address" autocomplete="email" required
          value={problem?.form === "change" ? problem.email : undefined} />
        <Field id="change-password" name="password" type="password" label="Your password" autocomplete="current-password"
          required />
        <p><button type="submit">{state.email ? "Change address" : "Add address"}</button></p>
      </form>
      {waiting && props.emailEnabled
        ? (
          <form method="post" action="/settings/email/address/resend" aria-labelledby="resend-heading">
            <h3 id="resend-heading">No link arrived?</h3>
            {problem?.form === "resend" ? <Problems errors={problem.errors} /> : null}
            <Csrf token={props.csrf} />
            <p class="hint">Check the spam folder first. A new link replaces the old one. At most once a minute.</p>
            <p><button type="submit">Send the link again to {waiting.email}</button></p>
          </form>
        )
        : null}
      {state.email || state.pending
        ? (
          <form method="post" action="/settings/email/address/remove" aria-labelledby="remove-heading">
            <h3 id="remove-heading">Remove your address</h3>
            {problem?.form === "remove" ? <Problems errors={problem.errors} /> : null}
            <Csrf token={props.csrf} />
            <p class="hint">Notification emails are then turned off. Your notifications stay on this site.</p>
            <Field id="remove-password" name="password" type="password" label="Your password" autocomplete="current-password"
              required />
            <p><button type="submit" class="danger">Remove address</button></p>
          </form>
        )
        : null}
    </section>
  );
}

/** `/settings/email/confirm?token=…`: one button (GET changes nothing, so that mail scanners confirm nothing). */
export function ConfirmEmailPage(props: { page: PageInfo; token: string; status: "valid" | "expired" | "unknown" | "done" }) {
  return (
    <Layout title="Confirm your email address" page={props.page}>
      <h1>Confirm your email address</h1>
      {props.status === "done"
        ? (
          <>
            <Notice>Your email address is confirmed.</Notice>
            <p>Notifications you chose to have emailed now go to it. <a href="/settings/email">Your email settings</a></p>
          </>
        )
        : props.status === "expired"
        ? (
          <p>
            This link has expired (links work for 24 hours). Log in and send a new one from{" "}
            <a href="/settings/email">your email settings</a>.
          </p>
        )
        : props.status === "unknown"
        ? (
          <p>
            This link is not valid: it was already used, a newer link replaced it, or it was mistyped. Log in and
            open <a href="/settings/email">your email settings</a> to see your address or send a new link.
          </p>
        )
        : (
          <form method="post" action="/settings/email/confirm">
            <input type="hidden" name="token" value={props.token} />
            <p>Use this address for notification emails from {props.page.instanceName}?</p>
            <p><button type="submit">Confirm my address</button></p>
          </form>
        )}
    </Layout>
  );
}
