/**
 * Copies of remote actors in `actors`, made from what their servers serve.
 */
import type { Context } from "@fedify/fedify";
import type { DocumentLoader } from "@fedify/vocab";
import { type Actor as APActor, Application, Collection, Group, isActor, Link, Organization, Service } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import { findActorByUri, upsertActor } from "../db/actors.ts";
import { MEMBER_TYPES } from "../db/member-types.ts";
import { replaceGroupModerators } from "../db/groups.ts";
import type { Actor, ActorType, MemberType } from "../db/schema.ts";
import { type ContextData, INSTANCE_ACTOR } from "./context.ts";
import { htmlToText, sanitizeHtml } from "./html.ts";
import { mayFederateWith } from "./instance-policy.ts";
import { saveRemoteGroupTags } from "../db/directory.ts";
import { codeOfHashtag, type ConditionTag, MAX_CONDITION_TAGS } from "../policy/condition-tags.ts";

const STALE_MS = 24 * 60 * 60 * 1000;

function actorType(actor: APActor): ActorType {
  if (actor instanceof Group) return "Group";
  if (actor instanceof Application) return "Application";
  if (actor instanceof Service) return "Service";
  if (actor instanceof Organization) return "Organization";
  return "Person";
}

function declaredMemberType(value: unknown): MemberType | null {
  return typeof value === "string" && (MEMBER_TYPES as readonly string[]).includes(value) ? value as MemberType : null;
}

/**
 * Stores (or refreshes) a remote actor as its origin served it.  `embedded`:
 * it came inside an activity, whose JSON Fedify may have re-serialised
 * without our extension terms: those (`memberType`) are left as they were.
 */
export async function persistActor(
  ctx: Context<ContextData>,
  actor: APActor,
  embedded = false,
): Promise<Actor> {
  if (actor.id == null) throw new Error("actor without an id");
  const existing = await findActorByUri(ctx.data.db, actor.id.href);
  if (existing?.local) return existing;
  // Lemmy's moderators collection is `attributedTo` on the group.
  const moderators = actor instanceof Group ? actor.attributionId : null;
  const raw = await actor.toJsonLd({ contextLoader: ctx.contextLoader }) as Record<string, unknown>;
  const icon = await actor.getIcon({ documentLoader: ctx.documentLoader, suppressError: true }).catch(() => null);
  const name = actor.name?.toString() ?? null;
  const stored = await upsertActor(ctx.data.db, {
    uri: actor.id.href,
    type: actorType(actor),
    local: false,
    account_id: null,
    group_id: null,
    username: actor.preferredUsername?.toString() ?? actor.id.pathname.split("/").pop() ?? "unknown",
    host: actor.id.host,
    name: name == null ? null : htmlToText(name).slice(0, 200),
    summary_html: actor.summary ? sanitizeHtml(actor.summary.toString()) : null,
    url: actor.url instanceof URL ? actor.url.href : actor.id.href,
    icon_url: icon?.url instanceof URL ? icon.url.href : null,
    inbox_url: actor.inboxId?.href ?? null,
    shared_inbox_url: actor.endpoints?.sharedInbox?.href ?? null,
    followers_url: actor.followersId?.href ?? null,
    outbox_url: actor.outboxId?.href ?? null,
    featured_url: actor.featuredId?.href ?? null,
    moderators_url: moderators?.href ?? null,
    manually_approves_followers: actor.manuallyApprovesFollowers ?? false,
    visibility: actor instanceof Group ? remoteVisibility(actor) : "public",
    posting_restricted_to_mods: raw.postingRestrictedToMods === true,
    // A Kindred member's badge (its own server's word about its own actor).
    ...embedded ? {} : { member_type: actor instanceof Group ? null : declaredMemberType(raw.memberType) },
  });
  if (stored.type === "Group" && moderators) await refreshModerators(ctx, stored, moderators);
  // Condition tags as hashtags (#ORPHA_558, #ICD10_C50_9): Kindred groups carry them (group-directory.ts).
  if (stored.type === "Group") await saveRemoteGroupTags(ctx.data.db, stored.id, conditionTagsOf(raw.tag));
  return stored;
}

/** The condition codes among an actor's `tag` hashtags (compacted JSON-LD), at most MAX_CONDITION_TAGS. */
export function conditionTagsOf(tag: unknown): ConditionTag[] {
  const tags: ConditionTag[] = [];
  for (const t of Array.isArray(tag) ? tag : tag == null ? [] : [tag]) {
    const item = t as { type?: unknown; name?: unknown };
    if ((item?.type !== "Hashtag" && item?.type !== "as:Hashtag") || typeof item.name !== "string") continue;
    const code = codeOfHashtag(item.name);
    if (code && !tags.some((x) => x.code === code) && tags.length < MAX_CONDITION_TAGS) tags.push({ code, label: "" });
  }
  return tags;
}

const MAX_MODERATORS = 50;
const logger = getLogger(["kindred", "federation", "actors"]);

/**
 * Reads a remote group's moderators collection (on the group's own server
 * only) into `group_staff`, so that moderation from them can be honoured
 * (federation/moderation-authority.ts).  A failure keeps the list we had.
 */
async function refreshModerators(ctx: Context<ContextData>, group: Actor, collectionId: URL): Promise<void> {
  if (collectionId.origin !== new URL(group.uri).origin) return;
  try {
    const documentLoader = await signedLoader(ctx);
    const collection = await ctx.lookupObject(collectionId, { documentLoader });
    if (!(collection instanceof Collection)) return;
    const ids: number[] = [];
    for await (const item of ctx.traverseCollection(collection, { documentLoader, suppressError: true })) {
      const uri = item instanceof Link ? item.href : item.id;
      if (!uri || ids.length >= MAX_MODERATORS) continue;
      const person = await resolveActor(ctx, uri).catch(() => null);
      if (person && person.type !== "Group" && !person.blocked_at) ids.push(person.id);
    }
    await replaceGroupModerators(ctx.data.db, group.id, ids);
  } catch (error) {
    logger.debug("Could not read the moderators of {group}: {error}", { group: group.uri, error });
  }
}

/**
 * Fetches signed by the instance actor, so that servers requiring signed
 * fetches (Mastodon's secure mode, Kindred's own later) answer us.
 */
export async function signedLoader(ctx: Context<ContextData>): Promise<DocumentLoader> {
  const loader = await ctx.getDocumentLoader({ identifier: INSTANCE_ACTOR });
  // Never fetch from a server the federation policy excludes, and never wait
  // on a slow or never-ending one for more than REMOTE_FETCH_TIMEOUT_MS.
  return async (url, options) => {
    if (!await mayFederateWith(ctx.data.db, url)) throw new PolicyRefusal(url);
    const timeout = AbortSignal.timeout(REMOTE_FETCH_TIMEOUT_MS);
    const signal = options?.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    return await loader(url, { ...options, signal });
  };
}

/** The longest a fetch of a remote document may take, headers and body (redirects included). */
export const REMOTE_FETCH_TIMEOUT_MS = 10_000;

/** A fetch the instance federation policy does not allow. */
export class PolicyRefusal extends Error {
  constructor(url: string | URL) {
    super(`${new URL(url).host} is excluded by this instance's federation policy`);
    this.name = "PolicyRefusal";
  }
}

/**
 * The stored copy of the actor at `uri`, fetched from its origin when
 * unknown or older than a day.  Throws when it cannot be had.
 */
export async function resolveActor(ctx: Context<ContextData>, uri: URL): Promise<Actor> {
  const known = await findActorByUri(ctx.data.db, uri.href);
  if (!known?.local && !await mayFederateWith(ctx.data.db, uri)) throw new PolicyRefusal(uri);
  if (known && (known.local || Date.now() - known.fetched_at.getTime() < STALE_MS)) return known;
  const fetched = await refetchActor(ctx, uri);
  if (fetched) return fetched;
  if (known) return known;
  throw new Error(`could not fetch the actor ${uri.href}`);
}

/** Fetches the actor at `uri` from its origin again and stores it; undefined when it cannot be had. */
export async function refetchActor(ctx: Context<ContextData>, uri: URL): Promise<Actor | undefined> {
  const fetched = await ctx.lookupObject(uri, { documentLoader: await signedLoader(ctx) }).catch(() => null);
  if (!isActor(fetched) || fetched.id?.href !== uri.href) return undefined;
  return await persistActor(ctx, fetched);
}

/** Resolves `@name@host`, `name@host` or a URL to a stored actor. */
export async function resolveHandleOrUri(ctx: Context<ContextData>, handle: string): Promise<Actor> {
  const trimmed = handle.trim();
  if (/^https?:\/\//.test(trimmed)) return await resolveActor(ctx, new URL(trimmed));
  // WebFinger goes to the handle's host: not to one the policy excludes.
  const host = trimmed.replace(/^@/, "").split("@")[1];
  if (host && !await mayFederateWith(ctx.data.db, `https://${host}/`)) throw new PolicyRefusal(`https://${host}/`);
  const fetched = await ctx.lookupObject(trimmed.replace(/^@/, ""), { documentLoader: await signedLoader(ctx) })
    .catch(() => null);
  if (!isActor(fetched) || fetched.id == null) throw new Error(`no actor found for ${trimmed}`);
  return await persistActor(ctx, fetched);
}


/**
 * What a remote group's document says of its visibility: a group that
 * approves its followers and is not discoverable is private (Kindred's
 * private groups, Lemmy 1.0's private communities); our members' content
 * in it is then never addressed to as:Public (audience.ts).
 */
function remoteVisibility(actor: { manuallyApprovesFollowers: boolean | null; discoverable?: boolean | null }): "public" | "private" {
  return actor.manuallyApprovesFollowers === true && actor.discoverable !== true ? "private" : "public";
}
