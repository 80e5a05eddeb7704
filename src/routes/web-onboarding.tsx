/** The welcome page a member sees on joining a group here (/g/:id/welcome; src/onboarding.ts). */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { canReadGroupContent } from "../group-access.ts";
import { welcomeView } from "../onboarding.ts";
import { WelcomePage } from "../pages/welcome.tsx";
import { findGroupActorById } from "../web-groups.ts";
import { pageInfo, positiveInt, toLogin } from "./web-common.ts";

export function webOnboardingRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/g/:id{[0-9]+}/welcome", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const ctx = c.var.kindred.fedify();
    const group = await findGroupActorById(ctx, positiveInt(c.req.param("id")));
    // A private group's welcome is for its members, as its threads are.
    if (!group || !(await canReadGroupContent(ctx, group, c.var.viewer))) return c.notFound();
    const view = await welcomeView(ctx, group);
    if (!view) return c.notFound();
    return c.html(<WelcomePage page={pageInfo(c)} group={group} view={view} />);
  });

  return app;
}
