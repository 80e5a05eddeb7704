/** Links between a group's moderation pages. */
import type { Actor } from "../../db/schema.ts";
import { groupPath } from "./page-info.ts";

export type ModerationPage = "queue" | "log" | "dashboard";

export function ModerationNav({ group, current, moderator }: { group: Actor; current: ModerationPage; moderator: boolean }) {
  const links: [ModerationPage, string, string][] = [
    ...(moderator ? [["queue", `/g/${group.id}/moderation`, "Moderation queue"] as [ModerationPage, string, string]] : []),
    ["log", `/g/${group.id}/log`, "Moderation log"],
    ...(moderator ? [["dashboard", `/g/${group.id}/dashboard`, "Dashboard"] as [ModerationPage, string, string]] : []),
  ];
  return (
    <nav aria-label="Moderation" class="sort">
      <ul>
        <li><a href={groupPath(group)}>{group.name ?? group.username}</a></li>
        {links.map(([key, href, label]) => (
          <li><a href={href} aria-current={key === current ? "page" : undefined}>{label}</a></li>
        ))}
      </ul>
    </nav>
  );
}
