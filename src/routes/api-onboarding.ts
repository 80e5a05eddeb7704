/**
 * JSON API for onboarding (issue 9, item 4): `GET /groups/:groupId/welcome`,
 * what a group shows its new members.  Managers change the welcome message
 * and the introductions thread with `PATCH /groups/:groupId` (`welcome`,
 * `introductionsThreadId`).
 */
import type { Hono } from "hono";
import type { Context } from "@fedify/fedify";
import type { Actor } from "../../db/schema.ts";
import type { ContextData } from "../../federation/context.ts";
import type { AppEnv } from "../app-env.ts";
import { canReadGroupContent, type Reader } from "../group-access.ts";
import { isNewHere, NEW_MEMBER_DAYS, welcomeView } from "../onboarding.ts";
import { groupParam } from "./api-params.ts";

/** The welcome as JSON, or null for a group on another server. */
export async function welcomeJson(ctx: Context<ContextData>, group: Actor, origin: URL) {
  const view = await welcomeView(ctx, group);
  if (!view) return null;
  return {
    message: view.welcomeSource,
    messageHtml: view.welcomeHtml,
    rulesHtml: view.rulesHtml,
    resources: view.resources.map((r) => ({ title: r.title, url: r.url, description: r.description })),
    introductionsThread: view.introductions
      ? { id: view.introductions.id, title: view.introductions.title, url: new URL(view.introductions.path, origin).href }
      : null,
  };
}

export function onboardingApi(api: Hono<AppEnv>): void {
  api.get("/groups/:groupId/welcome", async (c) => {
    const group = await groupParam(c);
    const ctx = c.var.kindred.fedify();
    const reader: Reader = { account: c.var.account, actor: c.var.actor };
    if (!group || !(await canReadGroupContent(ctx, group, reader))) return c.json({ error: "no such group" }, 404);
    const welcome = await welcomeJson(ctx, group, c.var.kindred.origin);
    if (!welcome) return c.json({ error: "this group is on another server: its welcome is shown there" }, 404);
    return c.json({ welcome, newHere: await isNewHere(ctx, group, c.var.actor.id), newMemberDays: NEW_MEMBER_DAYS });
  });
}
