/** `/settings/email` and the one-click unsubscribe links of notification emails. */
import { Hono } from "hono";
import { findByUnsubscribeToken, findEmailSettings, unsubscribeByToken } from "../../db/email-settings.ts";
import type { AppEnv } from "../app-env.ts";
import { changeEmailChoices, choicesFromForm, currentChoices, isFrequency } from "../email-settings.ts";
import { ValidationError } from "../names.ts";
import { EmailSettingsPage, UnsubscribePage } from "../pages/email-settings.tsx";
import type { AddressFormState } from "../pages/email-address.tsx";
import { addressState } from "../email-address.ts";
import { type C, formFields, pageInfo, toLogin } from "./web-common.ts";
import type { EmailChoices } from "../../db/email-settings.ts";

/** The settings page; `extra` carries the outcome of its choices form or of an address form (src/routes/web-email-address.tsx). */
export async function page(
  c: C,
  choices: EmailChoices,
  extra: { saved?: boolean; errors?: string[]; addressNotice?: string; addressProblem?: AddressFormState } = {},
) {
  const { account } = c.var.viewer!;
  const address = await addressState(c.var.kindred.db, account);
  const settings = await findEmailSettings(c.var.kindred.db, account.id);
  const failing = settings && settings.frequency !== "off" && settings.attempts > 0 && settings.next_attempt_at
    ? { attempts: settings.attempts, retryAt: settings.next_attempt_at }
    : undefined;
  return (
    <EmailSettingsPage page={pageInfo(c)} choices={choices} hasAddress={account.email != null} address={address}
      emailEnabled={c.var.kindred.emailEnabled} schedule={c.var.kindred.digestSchedule} failing={failing} {...extra} />
  );
}

/** The notice after an address form (the `address` query of the redirect). */
export function addressNotice(outcome: string | undefined): string | undefined {
  switch (outcome) {
    case "sent":
      return "We emailed a link to the new address. It becomes your address once you open the link and press the button.";
    case "resent":
      return "We emailed a new link; the one before no longer works.";
    case "send-failed":
      return "The link could not be emailed just now (the mail server did not take it). Send it again in a few minutes.";
    case "saved":
      return "Your address was saved, but not confirmed: this server does not send email at the moment, so nothing can be sent to it.";
    case "kept":
      return "That is already your address; nothing changed.";
    case "removed":
      return "Your email address was removed and notification emails are off.";
    default:
      return undefined;
  }
}

export function webEmailSettingsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/settings/email", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const choices = await currentChoices(c.var.kindred.db, viewer.account.id);
    return c.html(await page(c, choices, { saved: c.req.query("saved") === "1", addressNotice: addressNotice(c.req.query("address")) }));
  });
  app.post("/settings/email", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const f = await formFields(c);
    try {
      await changeEmailChoices(c.var.kindred.db, viewer.account, choicesFromForm(f));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // Shown again as sent (the boxes as ticked), with the problem; nothing saved.
      const current = await currentChoices(c.var.kindred.db, viewer.account.id);
      const shown = choicesFromForm({ ...f, frequency: isFrequency(f.frequency) ? f.frequency : current.frequency });
      return c.html(await page(c, shown, { errors: [error.message] }), 422);
    }
    return c.redirect("/settings/email?saved=1", 303);
  });
  return app;
}

/**
 * `/email/unsubscribe/TOKEN`: GET shows one button; POST (the button, or a
 * mail program's RFC 8058 one-click POST) turns email off.  The token is
 * the credential: no session and no CSRF token are needed, so these
 * routes are mounted before the CSRF check.
 */
export function unsubscribeRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const valid = (token: string) => /^[\w-]{43}$/.test(token);
  app.get("/email/unsubscribe/:token", async (c) => {
    const token = c.req.param("token");
    const found = valid(token) ? await findByUnsubscribeToken(c.var.kindred.db, token) : undefined;
    return c.html(<UnsubscribePage page={pageInfo(c)} token={token} unknown={!found} />, found ? 200 : 404);
  });
  app.post("/email/unsubscribe/:token", async (c) => {
    const token = c.req.param("token");
    const accountId = valid(token) ? await unsubscribeByToken(c.var.kindred.db, token) : undefined;
    return c.html(<UnsubscribePage page={pageInfo(c)} token={token} done={accountId != null} unknown={accountId == null} />,
      accountId != null ? 200 : 404);
  });
  return app;
}
