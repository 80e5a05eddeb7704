/** Sign-up, log-in, log-out and settings.  Thin: services in src/web-accounts.ts. */
import { Hono } from "hono";
import { NameTakenError } from "../../db/groups.ts";
import type { AppEnv } from "../app-env.ts";
import { authenticate, suspendedMessage } from "../auth.ts";
import { ValidationError } from "../names.ts";
import { LoginPage, SettingsPage, SignupPage } from "../pages/account.tsx";
import { sendProfileUpdate } from "../../federation/profile-update.ts";
import { endSession, startSession } from "../sessions.ts";
import { takeLogin, takeSignup } from "../rate-limits.ts";
import { confirmSignupAddress } from "../email-address.ts";
import { changePassword, changeProfile, looksLikeRealName, signUp } from "../web-accounts.ts";
import { type C, formFields, pageInfo, safeNext, toLogin } from "./web-common.ts";

function problem(error: unknown): string {
  if (error instanceof ValidationError || error instanceof NameTakenError) return error.message;
  throw error;
}

function settingsPage(c: C, extra: { saved?: string; profileErrors?: string[]; passwordErrors?: string[] } = {}) {
  const { account } = c.var.viewer!;
  return <SettingsPage page={pageInfo(c)} account={account} handle={`@${account.username}@${c.var.kindred.origin.host}`} {...extra} />;
}

export function webAccountRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/signup", (c) =>
    c.var.viewer ? c.redirect("/", 303) : c.html(<SignupPage page={pageInfo(c, true)} minAge={c.var.kindred.minAge} />));

  app.post("/signup", async (c) => {
    await takeSignup(c);
    const f = await formFields(c);
    const values = { username: f.username?.trim(), display_name: f.display_name, email: f.email, member_type: f.member_type };
    const username = (f.username ?? "").trim();
    const displayName = (f.display_name ?? "").trim();
    if (looksLikeRealName(username, displayName) && f.keep_name !== "yes") {
      return c.html(<SignupPage page={pageInfo(c, true)} minAge={c.var.kindred.minAge} values={values} realNameWarning />, 200);
    }
    try {
      const account = await signUp(c.var.kindred.db, c.var.kindred.origin, {
        username,
        displayName,
        email: f.email,
        password: f.password ?? "",
        memberType: f.member_type,
        consent: f.consent === "yes",
        ageConfirmed: f.age === "yes",
        minAge: c.var.kindred.minAge,
      });
      // The address given is unconfirmed: its link goes out now (when this server sends email),
      // without holding up the sign-up for the mail server (confirmSignupAddress never throws).
      void confirmSignupAddress(c.var.kindred, account);
      await startSession(c, account.id);
      return c.redirect("/groups?welcome=1", 303);
    } catch (error) {
      return c.html(<SignupPage page={pageInfo(c, true)} minAge={c.var.kindred.minAge} values={values} errors={[problem(error)]} />, 422);
    }
  });

  app.get("/login", (c) => {
    const next = c.req.query("next");
    return c.html(<LoginPage page={pageInfo(c, true)} next={next ? safeNext(next) : undefined} />);
  });

  app.post("/login", async (c) => {
    const f = await formFields(c);
    const attempt = await takeLogin(c, f.username ?? "");
    const account = await authenticate(c.var.kindred.db, f.username ?? "", f.password ?? "");
    if (!account) {
      return c.html(
        <LoginPage page={pageInfo(c, true)} username={f.username} next={f.next} error="Wrong username or password." />,
        401,
      );
    }
    if (account.suspended_at) {
      return c.html(
        <LoginPage page={pageInfo(c, true)} username={f.username} next={f.next} error={suspendedMessage(account)} />,
        403,
      );
    }
    await attempt.refund();
    await startSession(c, account.id);
    return c.redirect(safeNext(f.next), 303);
  });

  app.post("/logout", async (c) => {
    await endSession(c);
    return c.redirect("/", 303);
  });

  app.get("/settings", (c) => c.var.viewer ? c.html(settingsPage(c, { saved: savedMessage(c.req.query("saved")) })) : toLogin(c));

  app.post("/settings/profile", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const f = await formFields(c);
    try {
      const account = await changeProfile(c.var.kindred.db, viewer.account, {
        displayName: f.display_name,
        bio: f.bio,
        memberType: f.member_type,
      });
      await sendProfileUpdate(c.var.kindred.fedify(), account);
    } catch (error) {
      return c.html(settingsPage(c, { profileErrors: [problem(error)] }), 422);
    }
    return c.redirect("/settings?saved=profile", 303);
  });

  app.post("/settings/password", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const f = await formFields(c);
    try {
      await changePassword(c.var.kindred.db, viewer.account, f.current_password, f.new_password);
    } catch (error) {
      return c.html(settingsPage(c, { passwordErrors: [problem(error)] }), 422);
    }
    // Every session ended with the change; this browser gets a new one.
    await startSession(c, viewer.account.id);
    return c.redirect("/settings?saved=password", 303);
  });

  return app;
}

function savedMessage(which: string | undefined): string | undefined {
  if (which === "profile") return "Your profile was saved.";
  if (which === "password") return "Your password was changed. Other devices were logged out.";
  return undefined;
}
