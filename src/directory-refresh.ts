/**
 * Refreshing the group directory on request (`kindred directory refresh`,
 * the button on /admin/federation, `POST /api/v1/admin/directory/refresh`);
 * workers also refresh on their own (federation/group-directory.ts).
 */
import type { Context } from "@fedify/fedify";
import type { ContextData } from "../federation/context.ts";
import { directoryPeers, refreshDirectory, type RefreshReport } from "../federation/group-directory.ts";
import { ValidationError } from "./names.ts";

/** Runs a refresh now (of `host` only, when given: it must be a server we federate with). */
export async function runDirectoryRefresh(ctx: Context<ContextData>, who: string, host?: string): Promise<RefreshReport> {
  const only = host?.trim().toLowerCase();
  if (only != null && !(await directoryPeers(ctx)).has(only)) {
    throw new ValidationError(
      "host",
      `${only} is not a server this instance federates with (an allow or partner rule, or a member or group following or followed there)`,
    );
  }
  return await refreshDirectory(ctx, `${who}-${crypto.randomUUID()}`, only);
}

/** A refresh's outcome, a line per server. */
export function describeRefresh(report: RefreshReport): string[] {
  if (report.skipped) return ["Another refresh is running; try again in a few minutes."];
  const lines = report.peers.map((p) =>
    p.ok
      ? `${p.host}: ${p.entries} group${p.entries === 1 ? "" : "s"}${p.dropped ? ` (${p.dropped} entries dropped)` : ""}`
      : `${p.host}: failed (${p.error}); its earlier entries are kept for now, marked out of date`
  );
  for (const host of report.removed) lines.push(`${host}: removed (no longer a server this instance federates with)`);
  return lines.length > 0 ? lines : ["No servers to fetch directories from."];
}
