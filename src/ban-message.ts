/** How a ban is explained to the banned member (web pages and API). */
import type { ActiveBan } from "../db/bans.ts";

export function banMessage(ban: ActiveBan): string {
  const until = ban.expires_at ? `until ${ban.expires_at.toUTCString()}` : "until a moderator lifts the ban";
  return `you are banned from this group ${until}${ban.reason ? ` (reason: ${ban.reason})` : ""}, ` +
    "so you cannot post, reply or vote in it";
}
