/**
 * JSON API for a member's notifications (the /notifications page's): `GET
 * /notifications` (newest first, what the member can no longer read left
 * out, as on the page) and `POST /notifications/read` (all, or the given ids).
 */
import type { Hono } from "hono";
import { countUnread, listNotifications, markAllRead, markRead, type NotificationView } from "../../db/notifications.ts";
import type { AppEnv } from "../app-env.ts";
import { hideUnreadable } from "../group-access.ts";
import { ValidationError } from "../names.ts";
import { body } from "./api-params.ts";
import { MAX_ID } from "./web-common.ts";

export function notificationJson(n: NotificationView) {
  return {
    id: n.id,
    kind: n.kind,
    createdAt: n.created_at.toISOString(),
    read: n.read_at != null,
    // A group (join answers, moderation, reports, feedback, requests) or a person (replies, mentions).
    actor: n.actor_id == null ? null : {
      id: n.actor_id,
      handle: n.actor_username ? `@${n.actor_username}@${n.actor_host}` : null,
      name: n.actor_name,
    },
    post: n.post_id == null ? null : {
      id: n.post_id,
      uri: n.post_uri,
      threadTitle: n.thread_title,
      deleted: n.post_deleted ?? false,
    },
    // "moderation": the statement of reasons; "report": what it is about (never who sent it).
    moderation: n.kind === "moderation" ? { action: n.log_action, reason: n.log_reason, role: n.log_role } : undefined,
    report: n.kind === "report" ? { reason: n.report_reason, priority: n.report_priority } : undefined,
    reviewReason: n.kind === "post_rejected" ? n.post_review_reason : undefined,
  };
}

export function notificationsApi(api: Hono<AppEnv>): void {
  api.get("/notifications", async (c) => {
    const { db } = c.var.kindred;
    const reader = { account: c.var.account, actor: c.var.actor };
    const items = await hideUnreadable(c.var.kindred.fedify(), reader, await listNotifications(db, c.var.account.id));
    return c.json({ notifications: items.map(notificationJson), unread: await countUnread(db, c.var.account.id) });
  });

  api.post("/notifications/read", async (c) => {
    // No body at all: mark all read.
    const { ids } = (await c.req.text()).trim() === "" ? {} : await body(c);
    const { db } = c.var.kindred;
    if (ids === undefined) {
      await markAllRead(db, c.var.account.id);
    } else {
      if (!Array.isArray(ids) || ids.length > 500 || !ids.every((id) => Number.isSafeInteger(id) && id > 0 && id <= MAX_ID)) {
        throw new ValidationError("ids", "ids must be a list of at most 500 notification ids");
      }
      await markRead(db, c.var.account.id, ids as number[]);
    }
    return c.json({ unread: await countUnread(db, c.var.account.id) });
  });
}
