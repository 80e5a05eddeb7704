/** The notifications page. */
import { Hono } from "hono";
import { listNotifications, markAllRead } from "../../db/notifications.ts";
import type { AppEnv } from "../app-env.ts";
import { NotificationsPage } from "../pages/notifications.tsx";
import { pageInfo, toLogin } from "./web-common.ts";
import { hideUnreadable } from "../group-access.ts";

export function webNotificationRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/notifications", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    // What the member can no longer read (they left a private group) is left out (src/group-access.ts).
    const items = await hideUnreadable(c.var.kindred.fedify(), viewer, await listNotifications(c.var.kindred.db, viewer.account.id));
    return c.html(<NotificationsPage page={pageInfo(c)} items={items} />);
  });
  app.post("/notifications/read", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    await markAllRead(c.var.kindred.db, viewer.account.id);
    return c.redirect("/notifications", 303);
  });
  return app;
}
