/** Sign-up, log-in and settings pages, and a plain message page. */
import type { Account } from "../../db/schema.ts";
import { MEMBER_TYPES } from "../web-accounts.ts";
import { Csrf, Field, Notice, Problems, TextArea } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";


function MemberTypeChoice({ value, name = "member_type" }: { value: string | null; name?: string }) {
  return (
    <fieldset class="field">
      <legend>I am here as <span class="optional">(optional, shown as a badge next to your name)</span></legend>
      <p class="choice">
        <input type="radio" id="mt-none" name={name} value="" checked={!value} />
        <label for="mt-none">Rather not say</label>
      </p>
      {Object.entries(MEMBER_TYPES).map(([key, label]) => (
        <p class="choice">
          <input type="radio" id={`mt-${key}`} name={name} value={key} checked={value === key} />
          <label for={`mt-${key}`}>{label}</label>
        </p>
      ))}
    </fieldset>
  );
}

export interface SignupValues {
  username?: string;
  display_name?: string;
  email?: string;
  member_type?: string;
}

export function SignupPage(
  props: { page: PageInfo; minAge: number; values?: SignupValues; errors?: string[]; realNameWarning?: boolean },
) {
  const v = props.values ?? {};
  return (
    <Layout title="Sign up" page={props.page}>
      <h1>Join {props.page.instanceName}</h1>
      <p class="lead">You do not need to use your real name here. Choose a name that others will not link to you.</p>
      <Problems errors={props.errors} />
      {props.realNameWarning
        ? (
          <div class="warning" role="alert">
            <h2>This looks like it could be a real name</h2>
            <p>
              Your username is public and cannot be changed later. If it is your real name, people who know you may
              find your posts. You can change it below, or keep it by ticking the box. Please enter your password again.
            </p>
            <p class="choice">
              <input type="checkbox" id="keep-name" name="keep_name" value="yes" form="signup-form" />
              <label for="keep-name">Keep this name, I understand</label>
            </p>
          </div>
        )
        : null}
      <form method="post" action="/signup" id="signup-form">
        <Csrf token={props.page.csrf} />
        <Field id="username" name="username" label="Username" required autocomplete="username" value={v.username}
          hint="Lower-case letters, digits, - or _. Part of your public handle; it cannot be changed." maxlength={63} />
        <Field id="display-name" name="display_name" label="Display name" required autocomplete="nickname"
          value={v.display_name} hint="Shown next to your posts. A nickname is fine." maxlength={100} />
        <Field id="email" name="email" type="email" label="Email" autocomplete="email" value={v.email}
          hint="Never shown to anyone. For notification emails, if you choose them; we email you a link to confirm it." />
        <Field id="password" name="password" type="password" label="Password" required autocomplete="new-password"
          hint="At least 10 characters. A few unrelated words work well." minlength={10} />
        <MemberTypeChoice value={v.member_type ?? null} />
        <p class="choice">
          <input type="checkbox" id="age" name="age" value="yes" required />
          <label for="age">I am at least {props.minAge} years old</label>
        </p>
        <p class="choice">
          <input type="checkbox" id="consent" name="consent" value="yes" required />
          <label for="consent">
            I have read the <a href="/guidelines">community guidelines</a> and agree to this instance processing what
            I share about my health to run the groups I join. I can withdraw this at any time.
          </label>
        </p>
        <p><button type="submit">Create my account</button></p>
      </form>
      <p>Already a member? <a href="/login">Log in</a>.</p>
    </Layout>
  );
}

export function LoginPage(props: { page: PageInfo; username?: string; error?: string; next?: string }) {
  return (
    <Layout title="Log in" page={props.page}>
      <h1>Log in</h1>
      <Problems errors={props.error ? [props.error] : undefined} />
      <form method="post" action="/login">
        <Csrf token={props.page.csrf} />
        {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
        <Field id="username" name="username" label="Username" required autocomplete="username" value={props.username} />
        <Field id="password" name="password" type="password" label="Password" required autocomplete="current-password" />
        <p><button type="submit">Log in</button></p>
      </form>
      <p>New here? <a href="/signup">Sign up</a>.</p>
    </Layout>
  );
}

export function SettingsPage(props: {
  page: PageInfo;
  account: Account;
  handle: string;
  saved?: string;
  profileErrors?: string[];
  passwordErrors?: string[];
}) {
  const a = props.account;
  return (
    <Layout title="Profile and settings" page={props.page}>
      <h1>Profile and settings</h1>
      {props.saved ? <Notice>{props.saved}</Notice> : null}
      <p>Your handle is <code>{props.handle}</code>. <a href={`/@${a.username}`}>See your public profile</a>.</p>
      <section aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <Problems errors={props.profileErrors} />
        <form method="post" action="/settings/profile">
          <Csrf token={props.page.csrf} />
          <Field id="display-name" name="display_name" label="Display name" required value={a.display_name} maxlength={100} />
          <TextArea id="bio" name="bio" label="About you" value={a.bio} rows={4} maxlength={1000}
            hint="A few words, in Markdown. Public: share only what you are comfortable with." />
          <MemberTypeChoice value={a.member_type} />
          <p><button type="submit">Save profile</button></p>
        </form>
      </section>
      <section aria-labelledby="password-heading">
        <h2 id="password-heading">Change password</h2>
        <Problems errors={props.passwordErrors} />
        <form method="post" action="/settings/password">
          <Csrf token={props.page.csrf} />
          <Field id="current-password" name="current_password" type="password" label="Current password" required
            autocomplete="current-password" />
          <Field id="new-password" name="new_password" type="password" label="New password" required
            autocomplete="new-password" minlength={10} hint="At least 10 characters. You stay logged in here; other devices are logged out." />
          <p><button type="submit">Change password</button></p>
        </form>
      </section>
      <section aria-labelledby="email-heading">
        <h2 id="email-heading">Email notifications</h2>
        <p>
          <a href="/settings/email">Choose whether your notifications are emailed to you</a>: never (the default), straight
          away, or in a daily or weekly digest; and add, change, confirm or remove your email address.
        </p>
      </section>
      <section aria-labelledby="data-heading">
        <h2 id="data-heading">Your data</h2>
        <p>
          <a href="/settings/data">Download your data, withdraw your consent, or delete your account</a>.
        </p>
      </section>
    </Layout>
  );
}

export function MessagePage(props: { page: PageInfo; title: string; message: string; back?: string }) {
  return (
    <Layout title={props.title} page={props.page}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      <p><a href={props.back ?? "/"}>{props.back ? "Go back" : "Go to the front page"}</a></p>
    </Layout>
  );
}
