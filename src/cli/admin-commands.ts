/** Instance moderation commands of the CLI: suspensions, blocks, the clinician badge (src/admin.ts). */
import { parseArgs } from "node:util";
import { listBlockedActors } from "../../db/bans.ts";
import { blockActor, suspendAccount, verifyClinician } from "../admin.ts";
import { runRetention } from "../retention.ts";
import { purgeAccessLog } from "../../db/access-log.ts";
import { runEmailNotifications } from "../email-notifications.ts";
import type { CliIo } from "./commands.ts";

function parse(args: string[], spec: NonNullable<Parameters<typeof parseArgs>[0]>["options"], positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: spec, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliUsage((error as Error).message);
  }
  if (parsed.positionals.length !== positionals) throw new CliUsage(`expected ${positionals} argument(s)`);
  return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] };
}

/** Thrown for bad usage; commands.ts turns it into its UsageError. */
export class CliUsage extends Error {}

export async function runAdminCommand(key: string, args: string[], io: CliIo): Promise<number> {
  const ctx = io.fedify();
  switch (key) {
    case "account suspend": {
      const { values, positionals } = parse(args, { reason: { type: "string" } }, 1);
      await suspendAccount(ctx, null, positionals[0], true, values.reason);
      io.out(`Suspended @${positionals[0]}: their sessions and API tokens have ended.`);
      return 0;
    }
    case "account unsuspend": {
      const { positionals } = parse(args, {}, 1);
      await suspendAccount(ctx, null, positionals[0], false);
      io.out(`Reinstated @${positionals[0]}.`);
      return 0;
    }
    case "account clinician": {
      const { values, positionals } = parse(args, { grant: { type: "boolean" }, revoke: { type: "boolean" } }, 1);
      if (values.grant === values.revoke) throw new CliUsage("give exactly one of --grant and --revoke");
      await verifyClinician(ctx, null, positionals[0], values.grant === true);
      io.out(values.grant ? `@${positionals[0]} is now shown as a verified clinician.` : `Badge revoked for @${positionals[0]}.`);
      return 0;
    }
    case "block add":
    case "block remove": {
      const { values, positionals } = parse(args, { reason: { type: "string" } }, 1);
      const add = key === "block add";
      const actor = await blockActor(ctx, null, positionals[0], add, values.reason);
      io.out(`${add ? "Blocked" : "Unblocked"} @${actor.username}@${actor.host} (${actor.uri}).`);
      return 0;
    }
    case "block list": {
      parse(args, {}, 0);
      const rows = await listBlockedActors(io.db);
      if (rows.length === 0) io.out("No blocked actors.");
      for (const r of rows) io.out(`@${r.username}@${r.host}\t${r.uri}\t${r.blocked_reason ?? ""}`);
      return 0;
    }
    case "retention run": {
      const { values } = parse(args, { days: { type: "string" } }, 0);
      const days = values.days != null ? Number(values.days) : io.retentionInactiveDays;
      if (days == null) throw new CliUsage("retention is off: set RETENTION_INACTIVE_DAYS or give --days N");
      if (!Number.isInteger(days) || days < 30) throw new CliUsage("--days must be a whole number of at least 30");
      const deleted = await runRetention(ctx, days);
      io.out(deleted.length ? `Deleted ${deleted.length} account(s) unused for over ${days} days: ${deleted.join(", ")}.`
        : `No member account has been unused for over ${days} days.`);
      return 0;
    }
    case "access-log purge": {
      const { values } = parse(args, { days: { type: "string" } }, 0);
      const days = Number(values.days);
      if (values.days == null || !Number.isInteger(days) || days < 30) throw new CliUsage("--days must be a whole number of at least 30");
      const n = await purgeAccessLog(io.db, days);
      io.out(`Deleted ${n} access-log entr${n === 1 ? "y" : "ies"} older than ${days} days.`);
      return 0;
    }
    case "digests send": {
      const { values } = parse(args, { now: { type: "string" } }, 0);
      const now = values.now == null ? new Date() : new Date(String(values.now));
      if (Number.isNaN(now.getTime())) throw new CliUsage("--now must be a date and time such as 2026-11-26T08:00:00Z");
      if (!io.mail) throw new CliUsage("email settings are not available here");
      const result = await runEmailNotifications({
        mail: io.mail,
        origin: io.origin,
        instanceName: io.instanceName ?? "Kindred",
        fedify: io.fedify,
      }, now);
      if (!result.enabled) {
        io.err("kindred: email is off: set SMTP_URL to send notification emails; nothing was sent.");
        return 1;
      }
      io.out(`Sent ${result.sent} email(s); ${result.failed} failed (tried again later).`);
      return 0;
    }
  }
  throw new CliUsage(`unknown command "${key}"`);
}
