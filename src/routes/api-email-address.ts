/**
 * JSON API for the member's email address: `GET /me/email-address`,
 * `PUT /me/email-address` ({ email, password }), `DELETE /me/email-address`
 * ({ password }), `POST /me/email-address/resend`.  Confirming is by the
 * emailed link (`/settings/email/confirm?token=…`), not here.
 */
import type { Context, Hono } from "hono";
import { findAccountById } from "../../db/accounts.ts";
import type { AppEnv } from "../app-env.ts";
import { addressState, changeEmailAddress, removeEmailAddress, resendConfirmation } from "../email-address.ts";
import { body } from "./api-params.ts";

async function addressJson(c: Context<AppEnv>, extra: Record<string, unknown> = {}) {
  // Read again: the change just made is not in `c.var.account`.
  const account = (await findAccountById(c.var.kindred.db, c.var.account.id))!;
  const state = await addressState(c.var.kindred.db, account);
  return {
    email: state.email,
    /** Only a confirmed address gets notification emails. */
    confirmed: state.confirmed,
    confirmedAt: state.confirmedAt?.toISOString() ?? null,
    pending: state.pending
      ? { email: state.pending.email, sentAt: state.pending.sentAt.toISOString(), expiresAt: state.pending.expiresAt.toISOString(), expired: state.pending.expired }
      : null,
    emailEnabled: c.var.kindred.emailEnabled,
    ...extra,
  };
}

export function emailAddressApi(api: Hono<AppEnv>): void {
  api.get("/me/email-address", async (c) => c.json(await addressJson(c)));
  api.put("/me/email-address", async (c) => {
    const b = await body(c);
    const outcome = await changeEmailAddress(c.var.kindred, c.var.account, { email: b.email, password: b.password });
    return c.json(await addressJson(c, { outcome }));
  });
  api.delete("/me/email-address", async (c) => {
    const b = await body(c);
    await removeEmailAddress(c.var.kindred, c.var.account, b.password);
    return c.json(await addressJson(c, { outcome: "removed" }));
  });
  api.post("/me/email-address/resend", async (c) => {
    const outcome = await resendConfirmation(c.var.kindred, c.var.account);
    return c.json(await addressJson(c, { outcome }));
  });
}
