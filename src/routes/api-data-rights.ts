/**
 * The JSON API of a member's data rights (registered on the authenticated
 * API in api.ts): export, account deletion, the community guidelines
 * (admins publish new versions), and, for admins, the tracking of erased
 * accounts' Delete deliveries.
 */
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { currentGuidelines, publishGuidelines } from "../consent.ts";
import { deleteAccount, deletionDeliveries, exportAccount, exportFileName } from "../data-rights.ts";
import { ValidationError } from "../names.ts";
import { body } from "./api-params.ts";

export function dataRightsApi(api: Hono<AppEnv>): void {
  api.get("/me/export", async (c) => {
    const data = await exportAccount(c.var.kindred, c.var.account, c.var.actor);
    c.header("Content-Disposition", `attachment; filename="${exportFileName(c.var.account)}"`);
    c.header("Cache-Control", "no-store");
    return c.json(data);
  });

  api.delete("/me", async (c) => {
    const { password } = await body(c);
    if (typeof password !== "string") throw new ValidationError("password", "your password is required to delete your account");
    const tracked = await deleteAccount(c.var.kindred, c.var.account, c.var.actor, password);
    return c.json({ deleted: true, deliveries: tracked });
  });

  api.get("/guidelines", async (c) => c.json(await currentGuidelines(c.var.kindred.db)));

  api.post("/admin/guidelines", async (c) => {
    if (c.var.account.role !== "admin") return c.json({ error: "instance admins only" }, 403);
    const { text } = await body(c);
    if (typeof text !== "string") throw new ValidationError("text", "the guidelines' text (Markdown) is required");
    return c.json({ version: await publishGuidelines(c.var.kindred.db, text) }, 201);
  });

  api.get("/admin/deletions", async (c) => {
    if (c.var.account.role !== "admin") return c.json({ error: "instance admins only" }, 403);
    const rows = await deletionDeliveries(c.var.kindred);
    return c.json({
      deliveries: rows.map((r) => ({
        activity: r.activity_uri,
        inbox: r.inbox_url,
        state: r.state,
        attempts: r.attempts,
        lastError: r.last_error,
        updatedAt: r.updated_at,
      })),
    });
  });
}
