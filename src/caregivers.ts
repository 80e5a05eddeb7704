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
import { requireLocalModerator } from "./membership.ts";
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

export async function groupSpaces(db: Kysely<Schema>, group: Group): Promise<GroupSpaces> {
  const spaceId = group.caregivers_space_id;
  const main = await db.selectFrom("groups").select("id").where("caregivers_space_id", "=", group.id).executeTakeFirst();
  return {
    caregiversSpace: spaceId == null ? undefined : await findGroupActor(db, spaceId),
    mainGroup: main ? await findGroupActor(db, main.id) : undefined,
  };
}

const SPACE_SUFFIX = "-caregivers";

/**
 * Opens a caregivers' space beside a group: a new local group with the same
 * visibility, join policy, rules, sensitivity and staff, for caregivers and
 * family, linked both ways.  `slug` defaults to the group's with
 * "-caregivers".  Only the group's moderators (and admins) may.
 */
export async function openCaregiversSpace(ctx: Ctx, account: Account, group: Actor, input: { slug?: unknown } = {}): Promise<Group> {
  await requireLocalModerator(ctx, account, group);
  const db = ctx.data.db;
  const main = (await findGroupById(db, group.group_id!))!;
  if (main.caregivers_space_id != null) throw new ValidationError("caregiversSpace", "this group already has a caregivers' space");
  if (main.audience === "caregivers") throw new ValidationError("caregiversSpace", "this group is already for caregivers and family");
  if (await db.selectFrom("groups").select("id").where("caregivers_space_id", "=", main.id).executeTakeFirst()) {
    throw new ValidationError("caregiversSpace", "this group is itself a caregivers' space");
  }
  const wanted = input.slug == null || input.slug === "" ? `${main.slug}${SPACE_SUFFIX}`.slice(0, 64) : input.slug;
  if (typeof wanted !== "string") throw new ValidationError("slug", "slug must be text");
  const slug = checkName("slug", wanted);
  if (await findGroupBySlug(db, slug)) throw new ValidationError("slug", `the name "${slug}" is taken: choose another`);
  const staff = await listGroupStaff(db, group.id);
  const name = `${main.name}: caregivers and family`;
  const space = await createGroup(db, new URL(ctx.canonicalOrigin), {
    slug,
    name: name.length > 100 ? `${name.slice(0, 99)}…` : name,
    description: `A space for caregivers and family, beside [${main.name}](/@${main.slug}).`,
    joinPolicy: main.join_policy,
    visibility: main.visibility,
  });
  await db.transaction().execute(async (trx) => {
    await updateGroup(trx, space.slug, {
      audience: "caregivers",
      sensitive: main.sensitive,
      rules_source: main.rules_source,
      rules_html: main.rules_html,
      hold_first_posts: main.hold_first_posts,
    });
    const spaceActor = (await findGroupActor(trx, space.id))!;
    for (const member of staff) await addGroupStaff(trx, spaceActor.id, member.actor_id, member.role);
    await updateGroup(trx, main.slug, { caregivers_space_id: space.id });
  });
  // Followers' servers learn of the space (`caregiversSpace` on the Group).
  if (main.visibility !== "local") await sendGroupUpdate(ctx, group, await groupActor(ctx, (await findGroupById(db, main.id))!));
  return (await findGroupById(db, space.id))!;
}

/** What a group's page shows of all this (src/pages/caregivers-parts.tsx). */
export async function caregiverFacts(
  db: Kysely<Schema>,
  actor: Actor,
  options: { group?: Group; viewer?: { actor: Actor; account: Account }; moderator: boolean; filter?: MemberType },
): Promise<CaregiverFacts> {
  const group = options.group ?? (actor.group_id != null ? await findGroupById(db, actor.group_id) : undefined);
  const spaces = group ? await groupSpaces(db, group) : {};
  const viewer = options.viewer;
  return {
    audience: group?.audience,
    ...spaces,
    filter: options.filter,
    mine: viewer ? await membershipType(db, viewer.actor.id, actor.id) : undefined,
    profile: viewer?.account.member_type,
    mayOpenSpace: options.moderator && group != null && group.audience !== "caregivers" && !spaces.caregiversSpace &&
      !spaces.mainGroup,
  };
}
