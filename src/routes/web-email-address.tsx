/**
 * The member's email address on `/settings/email` (add, change, remove,
 * send the link again) and the confirmation links
 * (`/settings/email/confirm?token=…`).  Thin: src/email-address.ts.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import {
  changeEmailAddress,
  checkConfirmationToken,
  confirmEmailToken,
  removeEmailAddress,
  resendConfirmation,
} from "../email-address.ts";
import { currentChoices } from "../email-settings.ts";
import { ValidationError } from "../names.ts";
import { type AddressFormState, ConfirmEmailPage } from "../pages/email-address.tsx";
import { RateLimitedError } from "../rate-limits.ts";
import { type C, formFields, pageInfo, toLogin } from "./web-common.ts";
import { page } from "./web-email-settings.tsx";

/** The settings page again, with the form's problem (nothing was saved). */
async function refused(c: C, error: unknown, form: AddressFormState["form"], email?: string) {
  if (!(error instanceof ValidationError) && !(error instanceof RateLimitedError)) throw error;
  const choices = await currentChoices(c.var.kindred.db, c.var.viewer!.account.id);
  const status = error instanceof RateLimitedError ? 429 : 422;
  if (error instanceof RateLimitedError) c.header("Retry-After", String(error.retryAfter));
  return c.html(await page(c, choices, { addressProblem: { form, errors: [error.message], email } }), status);
}

const done = (c: C, outcome: string) => c.redirect(`/settings/email?address=${outcome}#address-heading`, 303);

export function webEmailAddressRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/settings/email/address", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const f = await formFields(c);
    try {
      return done(c, await changeEmailAddress(c.var.kindred, viewer.account, { email: f.email, password: f.password }));
    } catch (error) {
      return await refused(c, error, "change", f.email);
    }
  });
  app.post("/settings/email/address/resend", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    try {
      const outcome = await resendConfirmation(c.var.kindred, viewer.account);
      return done(c, outcome === "sent" ? "resent" : outcome);
    } catch (error) {
      return await refused(c, error, "resend");
    }
  });
  app.post("/settings/email/address/remove", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const f = await formFields(c);
    try {
      await removeEmailAddress(c.var.kindred, viewer.account, f.password);
    } catch (error) {
      return await refused(c, error, "remove");
    }
    return done(c, "removed");
  });
  return app;
}

/**
 * `/settings/email/confirm?token=…`: GET shows one button and changes
 * nothing (mail scanners open links); POST confirms.  The token is the
 * credential: no session and no CSRF token are needed (the link may be
 * opened on another device), so these routes are mounted before the CSRF
 * check.
 */
export function emailConfirmationRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/settings/email/confirm", async (c) => {
    const token = c.req.query("token") ?? "";
    const status = await checkConfirmationToken(c.var.kindred.db, token);
    return c.html(<ConfirmEmailPage page={pageInfo(c)} token={token} status={status} />, status === "valid" ? 200 : status === "expired" ? 410 : 404);
  });
  app.post("/settings/email/confirm", async (c) => {
    const token = (await formFields(c)).token ?? "";
    if (await confirmEmailToken(c.var.kindred.db, token)) {
      return c.html(<ConfirmEmailPage page={pageInfo(c)} token="" status="done" />);
    }
    const status = await checkConfirmationToken(c.var.kindred.db, token);
    return c.html(<ConfirmEmailPage page={pageInfo(c)} token="" status={status === "expired" ? "expired" : "unknown"} />,
      status === "expired" ? 410 : 404);
  });
  return app;
}
