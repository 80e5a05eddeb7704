/** Creating and changing local support groups (used by the CLI and the API). */
import type { Kysely, Transaction } from "kysely";
import { findAccountByUsername } from "../db/accounts.ts";
import { addGroupStaff, findGroupById, findGroupBySlug, insertGroup, setGroupDirectoryFields, updateGroup } from "../db/groups.ts";
import type { Actor, Group, GroupAudience, GroupVisibility, JoinPolicy, Schema } from "../db/schema.ts";
import type { Context } from "@fedify/fedify";
import { findAccountActor, findGroupActor, insertActor } from "../db/actors.ts";
import { groupActor } from "../federation/actors.ts";
import type { ContextData } from "../federation/context.ts";
import { sendGroupUpdate } from "../federation/delivery.ts";
import { saveKeyPairs } from "../db/keys.ts";
import { localGroupActor } from "../federation/local-actors.ts";
import { removeFollowersOutsidePartners } from "../federation/private-groups.ts";
import { generateKeyPairs, keyOwner } from "../federation/keys.ts";
import { renderMarkdown } from "./markdown.ts";
import { checkName, ValidationError } from "./names.ts";
import { type ConditionTag, parseConditionTags, parseLanguages, TagListError } from "../policy/condition-tags.ts";

export interface GroupInput {
  slug: string;
  name: string;
  description?: string;
  joinPolicy?: JoinPolicy;
  visibility?: GroupVisibility;
  /** Whom the group is for (src/caregivers.ts); everyone by default. */
  audience?: GroupAudience;
  /** Username of the local member who owns the group. */
  owner?: string;
  /** Condition tags (text or a list, policy/condition-tags.ts). */
  conditionTags?: unknown;
  /** BCP 47 language tags (text or a list). */
  languages?: unknown;
  /** List the group in other instances' directories (public groups; default true). */
  listedElsewhere?: boolean;
}

/** A group's condition tags from text or a list; a ValidationError names the problem. */
export function checkConditionTags(input: unknown): ConditionTag[] {
  try {
    return parseConditionTags(input);
  } catch (error) {
    if (error instanceof TagListError) throw new ValidationError(error.field, error.message);
    throw error;
  }
}

/** A group's languages from text or a list. */
export function checkLanguages(input: unknown): string[] {
  try {
    return parseLanguages(input);
  } catch (error) {
    if (error instanceof TagListError) throw new ValidationError(error.field, error.message);
    throw error;
  }
}

const JOIN_POLICIES: readonly JoinPolicy[] = ["open", "approval"];

export function checkGroupName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) {
    throw new ValidationError("name", "name must be 1 to 100 characters");
  }
  return trimmed;
}

export function checkDescription(text: string): string {
  if (text.length > 10_000) throw new ValidationError("description", "description is longer than 10,000 characters");
  return text;
}

export function checkJoinPolicy(value: string): JoinPolicy {
  if (!(JOIN_POLICIES as readonly string[]).includes(value)) {
    throw new ValidationError("join policy", `join policy must be "open" or "approval" (got "${value}")`);
  }
  return value as JoinPolicy;
}

const VISIBILITIES: readonly GroupVisibility[] = ["public", "private", "local"];

export function checkVisibility(value: string): GroupVisibility {
  if (!(VISIBILITIES as readonly string[]).includes(value)) {
    throw new ValidationError("visibility", `visibility must be "public", "private" or "local" (got "${value}")`);
  }
  return value as GroupVisibility;
}

export const AUDIENCES: readonly GroupAudience[] = ["everyone", "patients", "caregivers"];

/** Whom a group is for (src/caregivers.ts). */
export function checkAudience(value: unknown): GroupAudience {
  if (typeof value !== "string" || !(AUDIENCES as readonly string[]).includes(value)) {
    throw new ValidationError("audience", `audience must be "everyone", "patients" or "caregivers" (got "${String(value)}")`);
  }
  return value as GroupAudience;
}

/**
 * Validates everything first, then writes group, owner and keys; `also`
 * runs in the same transaction (its error undoes the whole creation).
 */
export async function createGroup(
  db: Kysely<Schema>,
  origin: URL,
  input: GroupInput,
  also?: (trx: Transaction<Schema>, group: Group, actor: Actor) => Promise<void>,
): Promise<Group> {
  const slug = checkName("slug", input.slug);
  const name = checkGroupName(input.name);
  const description = checkDescription(input.description ?? "");
  const joinPolicy = checkJoinPolicy(input.joinPolicy ?? "open");
  const visibility = checkVisibility(input.visibility ?? "public");
  const audience = checkAudience(input.audience ?? "everyone");
  const conditionTags = input.conditionTags == null ? [] : checkConditionTags(input.conditionTags);
  const languages = input.languages == null ? [] : checkLanguages(input.languages);
  const owner = input.owner ? await findAccountByUsername(db, input.owner) : undefined;
  if (input.owner && !owner) throw new ValidationError("owner", `no local member "${input.owner}"`);
  // Keys now rather than on first use: the first delivery should not pay for them.
  const keys = await generateKeyPairs();
  return db.transaction().execute(async (trx) => {
    const group = await insertGroup(trx, {
      slug,
      name,
      summary_source: description,
      summary_html: renderMarkdown(description),
      join_policy: joinPolicy,
      visibility,
      audience,
    });
    const created = await insertActor(trx, localGroupActor(origin, group));
    const ownerActor = owner ? await findAccountActor(trx, owner.id) : undefined;
    if (ownerActor) await addGroupStaff(trx, created.id, ownerActor.id, "owner");
    await saveKeyPairs(trx, keyOwner.group(group.id), keys);
    if (conditionTags.length > 0 || languages.length > 0 || input.listedElsewhere === false) {
      await setGroupDirectoryFields(trx, group.id, { conditionTags, languages, listedElsewhere: input.listedElsewhere });
    }
    if (also) await also(trx, group, created);
    return (await findGroupById(trx, group.id))!;
  });
}

export interface GroupChanges {
  name?: string;
  description?: string;
  joinPolicy?: string;
  visibility?: string;
  audience?: string;
  /** Condition tags: replaces the group's (text or a list; "" or [] for none). */
  conditionTags?: unknown;
  /** Languages: replaces the group's. */
  languages?: unknown;
  listedElsewhere?: boolean;
}

/**
 * Changes a group and, when a Fedify context is given, sends `Update(Group)`
 * to its remote followers so that their copies follow.
 */
export async function changeGroup(
  db: Kysely<Schema>,
  slug: string,
  changes: GroupChanges,
  ctx?: Context<ContextData>,
): Promise<Group> {
  if (!(await findGroupBySlug(db, slug))) throw new ValidationError("slug", `no group "${slug}"`);
  const set: Parameters<typeof updateGroup>[2] = {};
  if (changes.name != null) set.name = checkGroupName(changes.name);
  if (changes.description != null) {
    set.summary_source = checkDescription(changes.description);
    set.summary_html = renderMarkdown(changes.description);
  }
  if (changes.joinPolicy != null) set.join_policy = checkJoinPolicy(changes.joinPolicy);
  if (changes.visibility != null) set.visibility = checkVisibility(changes.visibility);
  const directory = {
    conditionTags: changes.conditionTags == null ? undefined : checkConditionTags(changes.conditionTags),
    languages: changes.languages == null ? undefined : checkLanguages(changes.languages),
    listedElsewhere: changes.listedElsewhere,
  };
  if (changes.audience != null) set.audience = checkAudience(changes.audience);
  const directoryChanged = directory.conditionTags != null || directory.languages != null || directory.listedElsewhere != null;
  if (Object.keys(set).length === 0 && !directoryChanged) throw new ValidationError("changes", "nothing to change");
  const found = await findGroupBySlug(db, slug);
  if (directoryChanged) await setGroupDirectoryFields(db, found!.id, directory);
  const group = Object.keys(set).length > 0 ? await updateGroup(db, slug, set) : await findGroupBySlug(db, slug);
  if (!group) throw new ValidationError("slug", `no group "${slug}"`);
  await db.updateTable("actors").set({
    name: group.name,
    summary_html: group.summary_html,
    manually_approves_followers: group.join_policy === "approval" || group.visibility === "private",
    visibility: group.visibility,
  }).where("group_id", "=", group.id).execute();
  const actor = await findGroupActor(db, group.id);
  // A local-only group tells nobody anything (delivery.ts sends it nothing either).
  if (ctx && actor && group.visibility !== "local") await sendGroupUpdate(ctx, actor, await groupActor(ctx, group));
  // A private group keeps members only on partner servers: the others are
  // removed and told (federation/private-groups.ts).
  if (ctx && actor && changes.visibility === "private") await removeFollowersOutsidePartners(ctx, actor);
  if (changes.visibility != null) await spaceVisibilityChanged(db, group, ctx);
  return group;
}

/**
 * A caregivers' space's visibility decides whether the group it belongs to
 * names it (`caregiversSpace`, never a local-only space): that group's actor
 * is built afresh (its row is touched) and sent to its followers' servers.
 */
async function spaceVisibilityChanged(db: Kysely<Schema>, space: Group, ctx?: Context<ContextData>): Promise<void> {
  const main = await db.selectFrom("groups").select("slug").where("caregivers_space_id", "=", space.id).executeTakeFirst();
  const touched = main ? await updateGroup(db, main.slug, {}) : undefined;
  const mainActor = touched ? await findGroupActor(db, touched.id) : undefined;
  if (ctx && touched && mainActor && touched.visibility !== "local") {
    await sendGroupUpdate(ctx, mainActor, await groupActor(ctx, touched));
  }
}
