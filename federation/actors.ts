/**
 * Local actors: a Group per support group (shaped as Lemmy shapes a
 * community), a Person per member account, and the instance's Application
 * actor used for signed fetches.  All three share one path, /@{identifier}:
 * names are unique across members and groups (db `local_names`), and the
 * instance actor's identifier starts with `_`, which no name may.
 */
import type { Context, FederationBuilder } from "@fedify/fedify";
import {
  Application,
  Endpoints,
  Group,
  Hashtag,
  Image,
  Person,
  Source,
  Tombstone,
} from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { findAccountByUsername, findLocalName } from "../db/accounts.ts";
import { hasPendingDeliveries } from "../db/delivery-tracking.ts";
import { findGroupById, findGroupBySlug } from "../db/groups.ts";
import type { Account, Group as GroupRow } from "../db/schema.ts";
import { type ContextData, INSTANCE_ACTOR } from "./context.ts";
import { moderatorsUri } from "./collections.ts";
import { withExtensions } from "./json-ld-extensions.ts";
import { ACTOR_PATH } from "./local-actors.ts";
import { getKeyPairs, keyOwner } from "./keys.ts";
import { hashtagName } from "../policy/condition-tags.ts";

type Ctx = Context<ContextData>;

const instant = (d: Date) => Temporal.Instant.fromEpochMilliseconds(d.getTime());

async function keyProperties(ctx: Ctx, identifier: string) {
  const keys = await ctx.getActorKeyPairs(identifier);
  return {
    publicKey: keys[0]?.cryptographicKey,
    assertionMethods: keys.map((k) => k.multikey),
  };
}

/**
 * Built Group actors, by origin and group row.  Fedify dispatches the actor
 * for every POST to a group's inbox, and building it (keys exported as
 * multibase and PEM, JSON-LD compaction) cost more CPU than the rest of
 * accepting the activity; any change to the group's row builds it afresh.
 */
const builtGroups = new WeakMap<object, Map<string, Promise<Group>>>();

/** The ActivityPub Group for a local support group. */
export function groupActor(ctx: Ctx, group: GroupRow): Promise<Group> {
  let cache = builtGroups.get(ctx.data.db);
  if (!cache) builtGroups.set(ctx.data.db, cache = new Map());
  const key = `${ctx.origin}\n${JSON.stringify(group)}`;
  let built = cache.get(key);
  if (!built) {
    if (cache.size >= 1000) cache.delete(cache.keys().next().value!);
    built = buildGroupActor(ctx, group);
    built.catch(() => cache.delete(key));
    cache.set(key, built);
  }
  return built;
}

async function buildGroupActor(ctx: Ctx, group: GroupRow): Promise<Group> {
  const id = ctx.getActorUri(group.slug);
  const actor = new Group({
    id,
    url: id,
    preferredUsername: group.slug,
    name: group.name,
    summary: group.summary_html,
    source: new Source({ content: group.summary_source, mediaType: "text/markdown" }),
    mediaType: "text/html",
    sensitive: group.sensitive,
    // A private group always asks its moderators; like Lemmy 1.0's private
    // communities it says so with manuallyApprovesFollowers, and it is not
    // advertised (discoverable: false).
    manuallyApprovesFollowers: group.join_policy === "approval" || group.visibility === "private",
    icon: group.icon_url ? new Image({ url: new URL(group.icon_url) }) : null,
    inbox: ctx.getInboxUri(group.slug),
    outbox: ctx.getOutboxUri(group.slug),
    followers: ctx.getFollowersUri(group.slug),
    featured: ctx.getFeaturedUri(group.slug),
    attribution: moderatorsUri(ctx, group.slug),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    discoverable: group.visibility === "public",
    // Condition tags as hashtags (#ORPHA_558, #ICD10_C50_9), each linking to
    // our directory filtered by that code (docs/FEDERATION.md).
    tags: group.condition_tags.map((t) =>
      new Hashtag({
        name: `#${hashtagName(t.code)}`,
        href: new URL(`/groups?tag=${encodeURIComponent(t.code)}`, ctx.origin),
      })
    ),
    published: instant(group.created_at),
    updated: instant(group.updated_at),
    ...await keyProperties(ctx, group.slug),
  });
  const space = group.caregivers_space_id == null ? undefined : await findGroupById(ctx.data.db, group.caregivers_space_id);
  return withExtensions(actor, {
    sensitive: group.sensitive,
    postingRestrictedToMods: group.posting_restricted_to_mods,
    ...group.audience === "everyone" ? {} : { intendedFor: group.audience },
    // A local-only space is never named to other servers.
    ...space && space.visibility !== "local" ? { caregiversSpace: ctx.getActorUri(space.slug).href } : {},
  }, ctx.contextLoader);
}

/** The ActivityPub Person for a local member. */
export async function personActor(ctx: Ctx, account: Account): Promise<Person> {
  const id = ctx.getActorUri(account.username);
  const person = new Person({
    id,
    url: id,
    preferredUsername: account.username,
    name: account.display_name,
    summary: account.bio || null,
    inbox: ctx.getInboxUri(account.username),
    outbox: ctx.getOutboxUri(account.username),
    followers: ctx.getFollowersUri(account.username),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    // Health communities: members are not advertised to directories or
    // search engines unless they opt in (a later setting).
    discoverable: false,
    indexable: false,
    manuallyApprovesFollowers: false,
    published: instant(account.created_at),
    ...await keyProperties(ctx, account.username),
  });
  // The member-type badge the member chose (patient, caregiver, supporter), shown next to their name elsewhere too.
  return account.member_type ? withExtensions(person, { memberType: account.member_type }, ctx.contextLoader) : person;
}

async function instanceActor(ctx: Ctx): Promise<Application> {
  const id = ctx.getActorUri(INSTANCE_ACTOR);
  return new Application({
    id,
    preferredUsername: ctx.host,
    name: ctx.data.instanceName,
    inbox: ctx.getInboxUri(INSTANCE_ACTOR),
    outbox: ctx.getOutboxUri(INSTANCE_ACTOR),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    manuallyApprovesFollowers: true,
    discoverable: false,
    ...await keyProperties(ctx, INSTANCE_ACTOR),
  });
}

// Names are never reused for another actor, so the mapping can be kept:
// every delivery is signed, and each signature looks its key up.  Per
// database, since tests run several instances in one process.
const owners = new WeakMap<object, Map<string, string>>();

/** Key owner for an actor identifier, or undefined when there is no such actor. */
async function ownerOf(ctx: { data: ContextData }, identifier: string): Promise<string | undefined> {
  if (identifier === INSTANCE_ACTOR) return keyOwner.instance;
  let known = owners.get(ctx.data.db);
  if (!known) owners.set(ctx.data.db, known = new Map());
  const cached = known.get(identifier);
  if (cached) return cached;
  const owner = await findOwner(ctx, identifier);
  if (owner && known.size < 100_000) known.set(identifier, owner);
  return owner;
}

async function findOwner(ctx: { data: ContextData }, identifier: string): Promise<string | undefined> {
  const kind = await findLocalName(ctx.data.db, identifier);
  if (kind === "group") {
    const group = await findGroupBySlug(ctx.data.db, identifier);
    return group && keyOwner.group(group.id);
  }
  if (kind === "account") {
    const account = await findAccountByUsername(ctx.data.db, identifier);
    return account && keyOwner.account(account.id);
  }
  return undefined;
}

export function registerActors(builder: FederationBuilder<ContextData>): void {
  builder
    .setActorDispatcher(ACTOR_PATH, async (ctx, identifier) => {
      if (identifier === INSTANCE_ACTOR) return instanceActor(ctx);
      const group = await findGroupBySlug(ctx.data.db, identifier);
      // A local-only group is never federated: no actor, no WebFinger (404).
      if (group) return group.visibility === "local" ? null : groupActor(ctx, group);
      const account = await findAccountByUsername(ctx.data.db, identifier);
      // An erased account: served (bare) while its Deletes are being
      // delivered, since receivers fetch its key to verify them; then gone (410).
      if (account?.deleted_at && !(await hasPendingDeliveries(ctx.data.db, account.id))) {
        return new Tombstone({ id: ctx.getActorUri(identifier), deleted: instant(account.deleted_at) });
      }
      if (account) return personActor(ctx, account);
      return null;
    })
    .setKeyPairsDispatcher(async (ctx, identifier) => {
      const owner = await ownerOf(ctx, identifier);
      return owner ? getKeyPairs(ctx.data.db, owner) : [];
    })
    // WebFinger: acct:NAME@host resolves members and groups alike (as Lemmy
    // does for communities); names are stored lower-case.
    .mapHandle((_ctx, username) => username.toLowerCase())
    .mapAlias((ctx, resource) => {
      // https://host/@name (the profile URL) also resolves.
      if (resource.origin !== ctx.origin) return null;
      const m = /^\/@([a-z0-9][a-z0-9_-]*)$/.exec(resource.pathname);
      return m ? { identifier: m[1] } : null;
    });
}
