/**
 * Caregivers on a group's page (src/caregivers.ts): whom the group is for,
 * its caregivers' space (or the group a space belongs to), the thread list's
 * member-type filter, and the badge a member shows in this group.
 */
import type { GroupAudience, MemberType } from "../../db/schema.ts";
import type { Actor } from "../../db/schema.ts";
import { AUDIENCE_LABELS } from "../caregivers.ts";
import { MEMBER_TYPES } from "../web-accounts.ts";
import { Csrf } from "./forms.tsx";
import { groupPath, type PageInfo } from "./page-info.ts";

export interface CaregiverFacts {
  audience?: GroupAudience;
  caregiversSpace?: Actor;
  mainGroup?: Actor;
  /** The thread list shows only threads started by members with this badge. */
  filter?: MemberType;
  /** A member's own choice of badge for this group (null: their profile's). */
  mine?: MemberType | null;
  /** The badge of the viewer's profile. */
  profile?: MemberType | null;
  /** A moderator of a local group that may open a caregivers' space here. */
  mayOpenSpace?: boolean;
}

export function AudienceBadge({ audience }: { audience?: GroupAudience }) {
  if (!audience || audience === "everyone") return null;
  return <span class={`badge audience-${audience}`}>For {audience === "caregivers" ? "caregivers and family" : "patients"}</span>;
}

/** Links between a group and its caregivers' space. */
export function Spaces({ facts, page, groupId }: { facts: CaregiverFacts; page: PageInfo; groupId: number }) {
  if (facts.caregiversSpace) {
    const space = facts.caregiversSpace;
    return (
      <p class="spaces">
        Caring for someone? <a href={groupPath(space)}>{space.name ?? space.username}</a> is this group's space for caregivers
        and family.
      </p>
    );
  }
  if (facts.mainGroup) {
    const main = facts.mainGroup;
    return <p class="spaces">This is the caregivers' and family space of <a href={groupPath(main)}>{main.name ?? main.username}</a>.</p>;
  }
  if (!facts.mayOpenSpace) return null;
  return (
    <form method="post" action={`/g/${groupId}/caregivers-space`} class="spaces">
      <Csrf token={page.csrf} />
      <p class="hint">
        For the group's owner: a caregivers' space is a group of its own beside this one, with the same rules, visibility and moderators,
        where caregivers and family can talk among themselves.
      </p>
      <button type="submit" class="secondary">Open a caregivers' space</button>
    </form>
  );
}

/** "Everyone · Patients · Caregivers / family · Supporters" above the thread list. */
export function MemberFilter({ path, sort, filter }: { path: string; sort: string; filter?: MemberType }) {
  const options: [MemberType | undefined, string][] = [[undefined, "Everyone"], ...Object.entries(MEMBER_TYPES) as [MemberType, string][]];
  return (
    <nav aria-label="Threads started by" class="sort member-filter">
      <ul>
        {options.map(([type, label]) => (
          <li>
            <a href={`${path}?sort=${sort}${type ? `&member=${type}` : ""}`} aria-current={type === filter ? "page" : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function TypeOptions({ profile, selected }: { profile?: MemberType | null; selected?: MemberType | null }) {
  return (
    <>
      <option value="profile" selected={selected == null}>
        {profile ? `As on my profile (${MEMBER_TYPES[profile]})` : "As on my profile (no badge)"}
      </option>
      {(Object.entries(MEMBER_TYPES) as [MemberType, string][]).map(([type, label]) => (
        <option value={type} selected={selected === type}>{label}</option>
      ))}
    </>
  );
}

/** On joining: the badge to show in this group. */
export function JoinAs({ facts }: { facts: CaregiverFacts }) {
  return (
    <label>
      Join as{" "}
      <select name="member_type">
        <TypeOptions profile={facts.profile} selected={facts.audience === "caregivers" ? "caregiver" : null} />
      </select>
    </label>
  );
}

/** For members: change the badge shown in this group. */
export function GroupBadgeForm({ facts, page, groupId }: { facts: CaregiverFacts; page: PageInfo; groupId: number }) {
  return (
    <form method="post" action={`/g/${groupId}/member-type`} class="inline member-type">
      <Csrf token={page.csrf} />
      <label>
        In this group, show me as{" "}
        <select name="member_type">
          <TypeOptions profile={facts.profile} selected={facts.mine} />
        </select>
      </label>{" "}
      <button type="submit" class="secondary">Save</button>
    </form>
  );
}
