/**
 * The group directory in the JSON API: `GET /directory?tag=&language=&q=`
 * (local groups and groups on the servers we federate with) and, for
 * admins, `POST /admin/directory/refresh` (`{ "host": "…" }` optional).
 * Mounted inside the API's bearer-token middleware (api.ts).
 */
import type { Hono } from "hono";
import type { RemoteDirectoryEntry } from "../../db/directory.ts";
import type { AppEnv } from "../app-env.ts";
import { directoryFilters, searchDirectory } from "../directory.ts";
import { runDirectoryRefresh } from "../directory-refresh.ts";
import { ValidationError } from "../names.ts";
import { ForbiddenError } from "../posts.ts";
import { directoryJson } from "./api-json.ts";
import { positiveInt } from "./web-common.ts";

const PAGE = 100;

function remoteJson(e: RemoteDirectoryEntry) {
  return {
    // The stored actor's id once known here (as `POST /groups/follow` returns it), else null.
    id: e.actor_id,
    uri: e.actor_uri,
    handle: e.handle,
    server: new URL(e.actor_uri).host,
    name: e.name,
    summary: e.summary,
    conditionTags: e.condition_tags,
    languages: e.languages,
    members: e.member_count,
    postsLast30Days: e.posts_30d,
    lastActivity: e.last_activity_at?.toISOString() ?? null,
    // `members`, `postsLast30Days` and `lastActivity` are what that server reports (members capped at 1,000,000).
    countsReportedBy: new URL(e.actor_uri).host,
    joinPolicy: e.join_policy,
    sensitive: e.sensitive,
    audience: e.audience,
    stale: e.stale,
  };
}

export function directoryApi(api: Hono<AppEnv>): void {
  api.get("/directory", async (c) => {
    const filters = directoryFilters(c.req.query("tag"), c.req.query("language"));
    const query = c.req.query("q")?.slice(0, 200)?.trim() || undefined;
    const after = query ? undefined : positiveInt(c.req.query("after"));
    const found = await searchDirectory(c.var.kindred.db, filters, { query, withLocalOnly: true, after, limit: PAGE + 1 });
    const local = found.local.slice(0, PAGE);
    return c.json({
      groups: local.map(directoryJson),
      next: !query && found.local.length > PAGE ? local[local.length - 1].id : null,
      otherInstances: found.remote.slice(0, PAGE).map(remoteJson),
    });
  });

  api.post("/admin/directory/refresh", async (c) => {
    if (c.var.account.role !== "admin") throw new ForbiddenError("instance admins only");
    const json = await c.req.json().catch(() => ({}));
    const host = (json as { host?: unknown })?.host;
    if (host != null && typeof host !== "string") throw new ValidationError("host", "host must be text");
    const report = await runDirectoryRefresh(c.var.kindred.fedify(), `api-${c.var.account.username}`, host || undefined);
    return c.json(report, report.skipped ? 409 : 200);
  });
}
