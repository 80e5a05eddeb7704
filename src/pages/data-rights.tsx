/** "Your data": download everything, withdraw consent, delete the account. */
import { raw } from "hono/html";
import { Csrf, Field, Notice, Problems } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

export interface ConsentState {
  /** The guidelines version consented to and not withdrawn, if any. */
  version: number | null;
  current: number;
}

export function DataRightsPage(props: {
  page: PageInfo;
  consent: ConsentState;
  saved?: string;
  deleteErrors?: string[];
}) {
  const { consent } = props;
  return (
    <Layout title="Your data" page={props.page}>
      <h1>Your data</h1>
      {props.saved ? <Notice>{props.saved}</Notice> : null}
      <section aria-labelledby="export-heading">
        <h2 id="export-heading">Download your data</h2>
        <p>
          One JSON file with everything of yours kept here: your account and profile, your memberships, your posts and
          replies (with their Markdown source), your votes, notifications, the reports and feedback you sent, and your
          consent records; and your posts as an ActivityStreams outbox, which other fediverse software can read.
        </p>
        <form method="post" action="/settings/data/export">
          <Csrf token={props.page.csrf} />
          <p><button type="submit">Download my data</button></p>
        </form>
        <p><a href="/settings/outcomes">Your questionnaires</a>: the groups' questionnaires you take part in, your scores.</p>
      </section>
      <section aria-labelledby="consent-heading">
        <h2 id="consent-heading">Consent to the processing of health data</h2>
        {consent.version === consent.current
          ? (
            <>
              <p>
                You consented under version {consent.version} of the{" "}
                <a href="/guidelines">community guidelines</a>. You can withdraw it at any time. Afterwards you can
                still read, download your data or delete your account, but you can no longer post, reply or vote
                until you consent again.
              </p>
              <form method="post" action="/settings/data/consent/withdraw">
                <Csrf token={props.page.csrf} />
                <p><button type="submit" class="secondary">Withdraw consent</button></p>
              </form>
            </>
          )
          : (
            <>
              <p>
                {consent.version == null
                  ? "You have not consented (or you withdrew your consent), so you cannot post, reply or vote."
                  : `You consented to version ${consent.version}; the guidelines have changed since.`} Read the{" "}
                <a href="/guidelines">community guidelines (version {consent.current})</a>.
              </p>
              <form method="post" action="/settings/data/consent">
                <Csrf token={props.page.csrf} />
                <p class="choice">
                  <input type="checkbox" id="consent" name="consent" value="yes" required />
                  <label for="consent">
                    I agree to the community guidelines and to this instance processing what I share about my health
                    to run the groups I join
                  </label>
                </p>
                <p><button type="submit">Give consent</button></p>
              </form>
            </>
          )}
      </section>
      <section aria-labelledby="delete-heading">
        <h2 id="delete-heading">Delete your account</h2>
        <p>
          This cannot be undone. Your profile, sessions, memberships, votes and notifications are erased here at once.
          Your posts and replies are erased too: they stay as "deleted" placeholders so that other people's replies
          keep their place. Other servers that received your posts are asked to delete them and your profile, and
          this server keeps trying to reach them for about a day and a half. Reports you filed stay with the
          moderators, without your name. Your username is never given to anyone else.
        </p>
        <p>You may want to <strong>download your data</strong> first.</p>
        <Problems errors={props.deleteErrors} />
        <form method="post" action="/settings/data/delete">
          <Csrf token={props.page.csrf} />
          <Field id="delete-password" name="password" type="password" label="Your password" required
            autocomplete="current-password" />
          <p class="choice">
            <input type="checkbox" id="delete-confirm" name="confirm" value="yes" required />
            <label for="delete-confirm">I understand that my account and my posts are deleted for good</label>
          </p>
          <p><button type="submit" class="danger">Delete my account</button></p>
        </form>
      </section>
    </Layout>
  );
}

export function AccountDeletedPage(props: { page: PageInfo }) {
  return (
    <Layout title="Account deleted" page={props.page}>
      <h1>Your account is deleted</h1>
      <p>Everything of yours is erased here, and the other servers that knew you are being asked to do the same.</p>
      <p><a href="/">Go to the front page</a></p>
    </Layout>
  );
}

export function GuidelinesPage(props: { page: PageInfo; version: number; html: string }) {
  return (
    <Layout title="Community guidelines" page={props.page}>
      <h1>Community guidelines</h1>
      <p class="lead">Version {props.version}</p>
      {/* Markdown written by the admins, raw HTML escaped (src/markdown.ts). */}
      <div class="content">{raw(props.html)}</div>
    </Layout>
  );
}
