/**
 * URLs of local actors and their rows in `actors`.  The path must match
 * the actor dispatcher's (`/@{identifier}` in actors.ts).
 */
import type { Account, Group, NewActor } from "../db/schema.ts";

export const ACTOR_PATH = "/@{identifier}";

export function localActorUri(origin: URL, name: string): URL {
  return new URL(`/@${name}`, origin);
}

function common(origin: URL, name: string) {
  const uri = localActorUri(origin, name).href;
  return {
    uri,
    local: true,
    username: name,
    host: origin.host,
    url: uri,
    inbox_url: `${uri}/inbox`,
    shared_inbox_url: new URL("/inbox", origin).href,
    followers_url: `${uri}/followers`,
    outbox_url: `${uri}/outbox`,
  };
}

export function localGroupActor(origin: URL, group: Group): NewActor {
  return {
    ...common(origin, group.slug),
    type: "Group",
    group_id: group.id,
    account_id: null,
    name: group.name,
    summary_html: group.summary_html,
    featured_url: `${localActorUri(origin, group.slug).href}/featured`,
    moderators_url: `${localActorUri(origin, group.slug).href}/moderators`,
    manually_approves_followers: group.join_policy === "approval" || group.visibility === "private",
    visibility: group.visibility,
    posting_restricted_to_mods: group.posting_restricted_to_mods,
    icon_url: group.icon_url,
  };
}

export function localAccountActor(origin: URL, account: Account): NewActor {
  return {
    ...common(origin, account.username),
    type: "Person",
    account_id: account.id,
    group_id: null,
    name: account.display_name,
    summary_html: null,
  };
}
