/**
 * Caregivers (issue 9, item 2): whom a group is for, a patients' group's
 * caregivers' space (a group of its own beside it, so that caregivers can
 * talk among themselves and it federates like any group), and the badge a
 * member shows in one group ("in this group I care for someone").
 */
import type { Context } from "@fedify/fedify";
import type { Kysely } from "kysely";
import { findGroupActor } from "../db/actors.ts";
import { addGroupStaff, findGroupById, findGroupBySlug, listGroupStaff, updateGroup } from "../db/groups.ts";
import { membershipType, setMembershipType } from "../db/member-types.ts";
import type { Account, Actor, Group, GroupAudience, MemberType, Schema } from "../db/schema.ts";
import { groupActor } from "../federation/actors.ts";
import type { ContextData } from "../federation/context.ts";
import type { CaregiverFacts } from "./pages/caregivers-parts.tsx";
import { sendGroupUpdate } from "../federation/delivery.ts";
import { createGroup } from "./groups.ts";
import { ownsGroup } from "./access-log.ts";
import { canSeeGroup, type Reader } from "./group-access.ts";
import { ForbiddenError } from "./posts.ts";
import { checkName, ValidationError } from "./names.ts";
import { checkMemberType } from "./web-accounts.ts";

type Ctx = Context<ContextData>;

/** How a group's audience reads on its page, in the directory and in the settings. */
export const AUDIENCE_LABELS: Record<GroupAudience, string> = {
  everyone: "Everyone: patients, caregivers and family, supporters",
  patients: "People living with the condition",
  caregivers: "Caregivers and family",
};

/** The member's badge in one group: "profile" (or null, "") for their profile's. */
export async function chooseGroupMemberType(db: Kysely<Schema>, member: Actor, group: Actor, value: unknown): Promise<MemberType | null> {
  const type = value === "profile" ? null : checkMemberType(value);
  if (!(await setMembershipType(db, member.id, group.id, type))) {
    throw new ValidationError("memberType", "join the group first: the badge you show is chosen per membership");
  }
  return type;
}


/** A group's caregivers' space, or the patients' group a space belongs to. */
export interface GroupSpaces {
  caregiversSpace?: Actor;
  mainGroup?: Actor;
}

/** The linked groups `reader` may see: a local-only one is for members of this server only. */
export async function groupSpaces(db: Kysely<Schema>, group: Group, reader?: Reader): Promise<GroupSpaces> {
  const spaceId = group.caregivers_space_id;
  const main = await db.selectFrom("groups").select("id").where("caregivers_space_id", "=", group.id).executeTakeFirst();
  const visible = (actor: Actor | undefined) => actor && canSeeGroup(actor, reader) ? actor : undefined;
  return {
    caregiversSpace: visible(spaceId == null ? undefined : await findGroupActor(db, spaceId)),
    mainGroup: visible(main ? await findGroupActor(db, main.id) : undefined),
  };
}

const SPACE_SUFFIX = "-caregivers";

/** Why a group cannot have a caregivers' space, if it cannot. */
function spaceRefusal(main: Group, isSpace: boolean): string | undefined {
  if (main.caregivers_space_id != null) return "this group already has a caregivers' space";
  if (main.audience === "caregivers") return "this group is already for caregivers and family";
  if (isSpace) return "this group is itself a caregivers' space";
  return undefined;
}

/**
 * Opens a caregivers' space beside a group: a new local group with the same
 * visibility, join policy, rules, sensitivity, condition tags, languages and
 * staff, for caregivers and family, linked both ways.  `slug` defaults to
 * the group's with "-caregivers".  Only the group's owner and the admins
 * may: it creates a group, which otherwise only admins do.  The group row is
 * locked while the space is made, so two requests cannot make two.
 */
export async function openCaregiversSpace(ctx: Ctx, account: Account, group: Actor, input: { slug?: unknown } = {}): Promise<Group> {
  if (!group.local || (account.role !== "admin" && !(await ownsGroup(ctx, account, group)))) {
    throw new ForbiddenError("only the group's owner and the admins may open a caregivers' space");
  }
  const db = ctx.data.db;
  const main = (await findGroupById(db, group.group_id!))!;
  const isSpace = async (trx: Kysely<Schema>) =>
    (await trx.selectFrom("groups").select("id").where("caregivers_space_id", "=", main.id).executeTakeFirst()) != null;
  const refusal = spaceRefusal(main, await isSpace(db));
  if (refusal) throw new ValidationError("caregiversSpace", refusal);
  const wanted = input.slug == null || input.slug === "" ? `${main.slug.slice(0, 63 - SPACE_SUFFIX.length)}${SPACE_SUFFIX}` : input.slug;
  if (typeof wanted !== "string") throw new ValidationError("slug", "slug must be text");
  const slug = checkName("slug", wanted);
  if (await findGroupBySlug(db, slug)) throw new ValidationError("slug", `the name "${slug}" is taken: choose another`);
  const name = `${main.name}: caregivers and family`;
  const space = await createGroup(db, new URL(ctx.canonicalOrigin), {
    slug,
    name: name.length > 100 ? `${name.slice(0, 99)}…` : name,
    description: `A space for caregivers and family, beside [${main.name}](/@${main.slug}).`,
    joinPolicy: main.join_policy,
    visibility: main.visibility,
    audience: "caregivers",
    conditionTags: main.condition_tags,
    languages: main.languages,
    listedElsewhere: main.listed_elsewhere,
  }, async (trx, created, spaceActor) => {
    // Checked again under the lock: a second request waits here, then finds the first one's space.
    const locked = await trx.selectFrom("groups").selectAll().where("id", "=", main.id).forUpdate().executeTakeFirstOrThrow();
    const late = spaceRefusal(locked, await isSpace(trx));
    if (late) throw new ValidationError("caregiversSpace", late);
    await updateGroup(trx, created.slug, {
      sensitive: locked.sensitive,
      rules_source: locked.rules_source,
      rules_html: locked.rules_html,
      hold_first_posts: locked.hold_first_posts,
    });
    for (const member of await listGroupStaff(trx, group.id)) await addGroupStaff(trx, spaceActor.id, member.actor_id, member.role);
    await updateGroup(trx, locked.slug, { caregivers_space_id: created.id });
  });
  // Followers' servers learn of the space (`caregiversSpace` on the Group).
  if (main.visibility !== "local") await sendGroupUpdate(ctx, group, await groupActor(ctx, (await findGroupById(db, main.id))!));
  return space;
}

/** What a group's page shows of all this (src/pages/caregivers-parts.tsx). */
export async function caregiverFacts(
  db: Kysely<Schema>,
  actor: Actor,
  options: { group?: Group; viewer?: { actor: Actor; account: Account }; owner: boolean; filter?: MemberType },
): Promise<CaregiverFacts> {
  const group = options.group ?? (actor.group_id != null ? await findGroupById(db, actor.group_id) : undefined);
  const spaces = group ? await groupSpaces(db, group, options.viewer) : {};
  const viewer = options.viewer;
  return {
    audience: group?.audience,
    ...spaces,
    filter: options.filter,
    mine: viewer ? await membershipType(db, viewer.actor.id, actor.id) : undefined,
    profile: viewer?.account.member_type,
    mayOpenSpace: options.owner && group != null && spaceRefusal(group, spaces.mainGroup != null) == null,
  };
}
