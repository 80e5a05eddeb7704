/**
 * Who may fetch our members' content in a private group hosted on another
 * server (issue 7): that server itself (the signer's key is on the group's
 * host), and the servers it passes the content on to, which only it knows.
 * So we ask it, as Lemmy 1.0 does: a signed GET of the group's followers
 * collection with `?is_follower=<the signer's key id>`; a 2xx answer means
 * the signer's server has an approved member (federation/group-access.ts
 * answers it for our own private groups).  Refusals are remembered for a
 * minute, so that a server without a member cannot make us ask again and
 * again; admissions are not, so that a member who leaves stops the reads at
 * once.
 */
import type { Context } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { Actor } from "../db/schema.ts";
import type { ContextData } from "./context.ts";
import { signedLoader } from "./remote-actors.ts";

const logger = getLogger(["kindred", "federation", "group-access"]);

/** How long a refusal is remembered, per group and signer's server. */
export const REFUSAL_MEMORY_MS = 60_000;
const MAX_REMEMBERED = 10_000;
const refused = new Map<string, number>();

export async function remoteGroupAdmits(ctx: Context<ContextData>, group: Actor, keyId: URL): Promise<boolean> {
  if (keyId.host === new URL(group.uri).host) return true;
  if (!group.followers_url) return false;
  const memo = `${ctx.origin} ${group.uri} ${keyId.host}`;
  const until = refused.get(memo);
  if (until != null && until > Date.now()) return false;
  const url = new URL(group.followers_url);
  url.searchParams.set("is_follower", keyId.href);
  try {
    const loader = await signedLoader(ctx);
    await loader(url.href); // throws unless 2xx
    refused.delete(memo);
    return true;
  } catch (error) {
    logger.debug("{group}'s server does not vouch for {host}: {error}", { group: group.uri, host: keyId.host, error });
    if (refused.size >= MAX_REMEMBERED) refused.clear();
    refused.set(memo, Date.now() + REFUSAL_MEMORY_MS);
    return false;
  }
}
