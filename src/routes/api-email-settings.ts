/**
 * JSON API for notification emails: `GET /me/email-settings` and
 * `PATCH /me/email-settings` (fields left out are kept).
 */
import type { Hono } from "hono";
import type { EmailChoices } from "../../db/email-settings.ts";
import type { Account } from "../../db/schema.ts";
import type { AppEnv } from "../app-env.ts";
import { API_KIND_NAMES, changeEmailChoices, choicesFromJson, currentChoices } from "../email-settings.ts";
import { body } from "./api-params.ts";

function settingsJson(choices: EmailChoices, account: Account, emailEnabled: boolean) {
  const emailSettings: Record<string, unknown> = { frequency: choices.frequency };
  for (const [key, name] of Object.entries(API_KIND_NAMES)) emailSettings[name] = choices[key as keyof typeof API_KIND_NAMES];
  emailSettings.showDetails = choices.showDetails;
  return {
    emailSettings,
    /** Whether the account has an address (`/me/email-address`). */
    hasEmailAddress: account.email != null,
    /** Whether it is confirmed: only a confirmed address is emailed. */
    emailAddressConfirmed: account.email != null && account.email_verified_at != null,
    /** Whether this server sends email at all (SMTP_URL). */
    emailEnabled,
  };
}

export function emailSettingsApi(api: Hono<AppEnv>): void {
  api.get("/me/email-settings", async (c) => {
    const choices = await currentChoices(c.var.kindred.db, c.var.account.id);
    return c.json(settingsJson(choices, c.var.account, c.var.kindred.emailEnabled));
  });
  api.patch("/me/email-settings", async (c) => {
    const current = await currentChoices(c.var.kindred.db, c.var.account.id);
    const next = choicesFromJson(await body(c), current);
    const saved = await changeEmailChoices(c.var.kindred.db, c.var.account, next);
    return c.json(settingsJson(saved, c.var.account, c.var.kindred.emailEnabled));
  });
}
