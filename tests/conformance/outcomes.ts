/**
 * Outcomes a replayed payload may have, checked in Kindred's database, and
 * the snapshot that "changes nothing" is compared with.  URIs are written
 * as in the payloads; the scenario rewrites them.
 */
import { expect } from "vitest";
import type { Actor } from "../../db/schema.ts";
import type { Scenario } from "./harness.ts";

export type ActorFields = Partial<Pick<
  Actor,
  | "type" | "name" | "username" | "summary_html" | "inbox_url" | "shared_inbox_url" | "followers_url"
  | "outbox_url" | "featured_url" | "moderators_url" | "manually_approves_followers"
>>;

export type Outcome =
  /** A thread or reply is stored (title equal, content containing, under `parent`, in `group`); `announced`: the group redistributed it to its followers. */
  | { kind: "post"; id: string; title?: string; content?: string; parent?: string | null; group?: string; announced?: boolean }
  /** The stored post was edited. */
  | { kind: "updated"; id: string; title?: string; content?: string }
  /** The post is a tombstone: kept for threading, content erased. */
  | { kind: "tombstone"; id: string }
  /** No post with this id is stored. */
  | { kind: "absent"; id: string }
  /** Vote counts of a post. */
  | { kind: "votes"; id: string; likes: number; dislikes: number }
  /** A remote actor follows the local group, accepted, and an Accept reached its server. */
  | { kind: "follower"; actor: string; fields?: ActorFields }
  /** The remote actor no longer follows the local group. */
  | { kind: "unfollowed"; actor: string }
  /** `kim` follows the remote group, in this state; the group's copy has these fields. */
  | { kind: "following"; group: string; state: "accepted" | "pending"; fields?: ActorFields }
  /** A post's moderation state: removed (with this reason) or not, locked, pinned. */
  | { kind: "moderated"; id: string; removed?: string | false; locked?: boolean; pinned?: boolean; logged?: string }
  /** A report about `target` (and `post`) is kept for `group` (default: the scenario's group), in this state. */
  | {
    kind: "report";
    target: string;
    post?: string;
    group?: string;
    reporter?: string;
    reason?: string;
    comment?: string;
    state?: "open" | "resolved" | "dismissed";
  }
  /** A ban from the (first) local group is recorded. */
  | { kind: "banned"; actor: string; reason?: string; expires?: string | null }
  /** No ban of the actor from the local group. */
  | { kind: "unbanned"; actor: string }
  /** A moderator removed the post (content kept). */
  | { kind: "removed"; id: string }
  /** The actor's role on the local group's staff (null: none). */
  | { kind: "staff"; actor: string; role: "owner" | "moderator" | "mentor" | null }
  /** A documented refusal or an ignored payload: the database is as before and Kindred sent nothing. */
  | { kind: "unchanged" };

export type Snapshot = Record<string, unknown[]>;

/** What a payload could change: posts, votes, follows, actors, moderators. */
export async function snapshot(scenario: Scenario): Promise<Snapshot> {
  const db = scenario.harness.instance.kindred.database.db;
  return {
    posts: await db.selectFrom("posts")
      .select(["uri", "group_id", "parent_id", "title", "content_html", "summary", "updated_at", "deleted_at", "like_count", "dislike_count", "reply_count", "removed_at", "locked_at", "pinned_at", "distinguished"])
      .orderBy("id").execute(),
    votes: await db.selectFrom("votes").select(["actor_id", "post_id", "value"]).orderBy("actor_id").orderBy("post_id").execute(),
    follows: await db.selectFrom("follows").select(["follower_id", "followee_id", "state"])
      .orderBy("follower_id").orderBy("followee_id").execute(),
    actors: await db.selectFrom("actors")
      .select(["uri", "type", "name", "summary_html", "inbox_url", "posting_restricted_to_mods"]).orderBy("id").execute(),
    reports: await db.selectFrom("reports").select(["uri", "group_actor_id", "post_id", "target_actor_id", "state"])
      .orderBy("id").execute(),
    bans: await db.selectFrom("group_bans").select(["group_actor_id", "actor_id", "expires_at"])
      .orderBy("group_actor_id").orderBy("actor_id").execute(),
    removed: await db.selectFrom("posts").select("uri").where("removed_at", "is not", null).orderBy("id").execute(),
    staff: await db.selectFrom("group_staff").select(["group_actor_id", "actor_id", "role"])
      .orderBy("group_actor_id").orderBy("actor_id").execute(),
  };
}

function rewriteFields(scenario: Scenario, fields: ActorFields = {}) {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [
    k,
    typeof v === "string" && /^https?:\/\//.test(v) ? scenario.uri(v) : v,
  ]));
}

async function actorRow(scenario: Scenario, uri: string) {
  const db = scenario.harness.instance.kindred.database.db;
  return await db.selectFrom("actors").selectAll().where("uri", "=", uri).executeTakeFirst();
}

async function postRow(scenario: Scenario, id: string) {
  const db = scenario.harness.instance.kindred.database.db;
  return await db.selectFrom("posts")
    .leftJoin("posts as parent", "parent.id", "posts.parent_id")
    .innerJoin("actors as g", "g.id", "posts.group_id")
    .selectAll("posts").select(["parent.uri as parent_uri", "g.uri as group_uri"])
    .where("posts.uri", "=", scenario.uri(id)).executeTakeFirst();
}

async function followRow(scenario: Scenario, follower: string, followee: string) {
  const db = scenario.harness.instance.kindred.database.db;
  return await db.selectFrom("follows")
    .innerJoin("actors as a", "a.id", "follows.follower_id")
    .innerJoin("actors as b", "b.id", "follows.followee_id")
    .selectAll("follows")
    .where("a.uri", "=", follower).where("b.uri", "=", followee).executeTakeFirst();
}

async function banRow(scenario: Scenario, actorUri: string) {
  const db = scenario.harness.instance.kindred.database.db;
  return await db.selectFrom("group_bans")
    .innerJoin("actors as g", "g.id", "group_bans.group_actor_id")
    .innerJoin("actors as a", "a.id", "group_bans.actor_id")
    .selectAll("group_bans")
    .where("g.uri", "=", scenario.group).where("a.uri", "=", actorUri).executeTakeFirst();
}

/** Asserts one outcome. `before` is the snapshot taken just before the replay. */
export async function assertOutcome(scenario: Scenario, outcome: Outcome, before: Snapshot, sentBefore: number) {
  switch (outcome.kind) {
    case "post": {
      const post = await postRow(scenario, outcome.id);
      expect(post, `post ${outcome.id} stored`).toBeDefined();
      if (outcome.title !== undefined) expect(post!.title).toBe(outcome.title);
      if (outcome.content !== undefined) expect(post!.content_html).toContain(outcome.content);
      if (outcome.parent !== undefined) {
        expect(post!.parent_uri).toBe(outcome.parent == null ? null : scenario.uri(outcome.parent));
      }
      const groups = outcome.group ? [scenario.uri(outcome.group)] : [...scenario.groups.values()];
      expect(groups, "the post's group").toContain(post!.group_uri);
      expect(post!.deleted_at).toBeNull();
      if (outcome.announced) {
        const uri = scenario.uri(outcome.id);
        await scenario.waitForDeliveries((r) =>
          r.json?.type === "Announce" && (r.json.object?.object?.id === uri || r.json.object?.id === uri)
        );
      }
      return;
    }
    case "updated": {
      const post = await postRow(scenario, outcome.id);
      expect(post?.updated_at, `post ${outcome.id} edited`).toBeInstanceOf(Date);
      if (outcome.title !== undefined) expect(post!.title).toBe(outcome.title);
      if (outcome.content !== undefined) expect(post!.content_html).toContain(outcome.content);
      return;
    }
    case "tombstone": {
      const post = await postRow(scenario, outcome.id);
      expect(post?.deleted_at, `post ${outcome.id} deleted`).toBeInstanceOf(Date);
      expect([post!.title, post!.content_html]).toEqual([null, ""]);
      return;
    }
    case "absent":
      expect(await postRow(scenario, outcome.id), `post ${outcome.id}`).toBeUndefined();
      return;
    case "votes": {
      const post = await postRow(scenario, outcome.id);
      expect(post, `post ${outcome.id} stored`).toBeDefined();
      expect([post!.like_count, post!.dislike_count]).toEqual([outcome.likes, outcome.dislikes]);
      return;
    }
    case "follower": {
      const actor = scenario.uri(outcome.actor);
      const follow = await followRow(scenario, actor, scenario.group);
      expect(follow?.state, `${outcome.actor} follows the group`).toBe("accepted");
      expect(await actorRow(scenario, actor)).toMatchObject(rewriteFields(scenario, outcome.fields));
      await scenario.waitForDeliveries((r) =>
        r.json?.type === "Accept" && r.json.actor === scenario.group && r.json.object?.actor === actor
      );
      return;
    }
    case "unfollowed": {
      const follow = await followRow(scenario, scenario.uri(outcome.actor), scenario.group);
      expect(follow, `${outcome.actor} left the group`).toBeUndefined();
      return;
    }
    case "following": {
      const group = scenario.uri(outcome.group);
      const follow = await followRow(scenario, scenario.harness.member.uri, group);
      expect(follow?.state, `kim follows ${outcome.group}`).toBe(outcome.state);
      expect(await actorRow(scenario, group)).toMatchObject(rewriteFields(scenario, outcome.fields));
      return;
    }
    case "moderated": {
      const post = await postRow(scenario, outcome.id);
      expect(post, `post ${outcome.id} stored`).toBeDefined();
      if (outcome.removed !== undefined) {
        expect(post!.removed_at != null, "removed").toBe(outcome.removed !== false);
        if (outcome.removed !== false) expect(post!.removed_reason).toBe(outcome.removed);
        expect(post!.deleted_at, "content kept").toBeNull();
      }
      if (outcome.locked !== undefined) expect(post!.locked_at != null, "locked").toBe(outcome.locked);
      if (outcome.pinned !== undefined) expect(post!.pinned_at != null, "pinned").toBe(outcome.pinned);
      if (outcome.logged !== undefined) {
        const db = scenario.harness.instance.kindred.database.db;
        const actions = await db.selectFrom("moderation_log").select("action").where("post_id", "=", post!.id).execute();
        expect(actions.map((a) => a.action), "moderation log").toContain(outcome.logged);
      }
      break;
    }
    case "report": {
      const db = scenario.harness.instance.kindred.database.db;
      const report = await db.selectFrom("reports as r")
        .innerJoin("actors as t", "t.id", "r.target_actor_id")
        .leftJoin("actors as g", "g.id", "r.group_actor_id")
        .leftJoin("actors as rep", "rep.id", "r.reporter_actor_id")
        .leftJoin("posts as p", "p.id", "r.post_id")
        .select(["r.state", "r.reason", "r.comment", "g.uri as group", "rep.uri as reporter", "p.uri as post"])
        .where("t.uri", "=", scenario.uri(outcome.target)).orderBy("r.id", "desc").executeTakeFirst();
      expect(report, `a report about ${outcome.target}`).toBeDefined();
      expect(report!.group).toBe(outcome.group ? scenario.uri(outcome.group) : scenario.group);
      expect(report!.state).toBe(outcome.state ?? "open");
      if (outcome.post !== undefined) expect(report!.post).toBe(scenario.uri(outcome.post));
      if (outcome.reporter !== undefined) expect(report!.reporter).toBe(scenario.uri(outcome.reporter));
      if (outcome.reason !== undefined) expect(report!.reason).toBe(outcome.reason);
      if (outcome.comment !== undefined) expect(report!.comment).toContain(outcome.comment);
      break;
    }
    case "banned":
    case "unbanned": {
      const ban = await banRow(scenario, scenario.uri(outcome.actor));
      if (outcome.kind === "unbanned") {
        expect(ban, `${outcome.actor} not banned`).toBeUndefined();
        return;
      }
      expect(ban, `${outcome.actor} banned`).toBeDefined();
      if (outcome.reason !== undefined) expect(ban!.reason).toBe(outcome.reason);
      if (outcome.expires !== undefined) expect(ban!.expires_at?.toISOString() ?? null).toBe(outcome.expires);
      return;
    }
    case "removed": {
      const post = await postRow(scenario, outcome.id);
      expect(post?.removed_at, `post ${outcome.id} removed`).toBeInstanceOf(Date);
      expect(post!.deleted_at).toBeNull();
      return;
    }
    case "staff": {
      const db = scenario.harness.instance.kindred.database.db;
      const row = await db.selectFrom("group_staff")
        .innerJoin("actors as g", "g.id", "group_staff.group_actor_id")
        .innerJoin("actors as a", "a.id", "group_staff.actor_id")
        .select("group_staff.role")
        .where("g.uri", "=", scenario.group).where("a.uri", "=", scenario.uri(outcome.actor)).executeTakeFirst();
      expect(row?.role ?? null, `${outcome.actor} on the staff`).toBe(outcome.role);
      return;
    }
    case "unchanged":
      expect(await snapshot(scenario)).toEqual(before);
      expect(scenario.received().slice(sentBefore).map((r) => [r.url, r.json?.type]), "sent by Kindred").toEqual([]);
      return;
  }
}
