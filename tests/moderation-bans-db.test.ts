/**
 * Ban queries on the test database engine (PGlite by default, PostgreSQL
 * with KINDRED_TEST_DB=postgres): expiry checked when read, replacement,
 * removal of a member's posts in one group only, badges.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { badgesOf, deleteBan, findActiveBan, insertBan, listActiveBans, removePostsOfActorInGroup } from "../db/bans.ts";
import { addGroupStaff } from "../db/groups.ts";
import type { Actor } from "../db/schema.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";

let database: TestDatabase;
let groupA: Actor, groupB: Actor, person: Actor;

async function actor(uri: string, type: "Group" | "Person"): Promise<Actor> {
  return await database.db.insertInto("actors").values({
    uri, type, local: false, account_id: null, group_id: null, username: uri.split("/").pop()!, host: "remote.example",
  }).returningAll().executeTakeFirstOrThrow();
}

async function post(uri: string, group: Actor) {
  await database.db.insertInto("posts").values({ uri, group_id: group.id, author_id: person.id, title: uri }).execute();
}

beforeAll(async () => {
  database = await createTestDatabase();
  groupA = await actor("https://remote.example/c/a", "Group");
  groupB = await actor("https://remote.example/c/b", "Group");
  person = await actor("https://remote.example/u/p", "Person");
});
afterAll(() => database?.dispose());

describe("bans", () => {
  it("are in force until they expire, read at the time of the question", async () => {
    const ban = { groupActorId: groupA.id, actorId: person.id, reason: "spam", bannedBy: null, activityUri: null };
    await insertBan(database.db, { ...ban, expiresAt: new Date(Date.now() + 60_000) });
    expect(await findActiveBan(database.db, groupA.id, person.id)).toMatchObject({ reason: "spam" });
    expect(await findActiveBan(database.db, groupB.id, person.id)).toBeUndefined();
    // Replaced by a ban that ended a second ago: no ban, and not listed.
    await insertBan(database.db, { ...ban, reason: "old", expiresAt: new Date(Date.now() - 1000) });
    expect(await findActiveBan(database.db, groupA.id, person.id)).toBeUndefined();
    expect(await listActiveBans(database.db, groupA.id)).toEqual([]);
    // Permanent until lifted.
    await insertBan(database.db, { ...ban, expiresAt: null });
    expect((await listActiveBans(database.db, groupA.id)).map((b) => b.uri)).toEqual([person.uri]);
    expect(await deleteBan(database.db, groupA.id, person.id)).toBe(true);
    expect(await deleteBan(database.db, groupA.id, person.id)).toBe(false);
  });

  it("remove the member's posts in that group only, keeping their content", async () => {
    await post("https://remote.example/post/1", groupA);
    await post("https://remote.example/post/2", groupB);
    expect(await removePostsOfActorInGroup(database.db, groupA.id, person.id, "spam")).toBe(1);
    const rows = await database.db.selectFrom("posts").select(["uri", "removed_reason", "title"]).orderBy("id").execute();
    expect(rows).toEqual([
      { uri: "https://remote.example/post/1", removed_reason: "spam", title: "https://remote.example/post/1" },
      { uri: "https://remote.example/post/2", removed_reason: null, title: "https://remote.example/post/2" },
    ]);
  });

  it("badges: mentors of the group only; no clinician badge for a remote actor", async () => {
    await addGroupStaff(database.db, groupA.id, person.id, "mentor");
    const a = await badgesOf(database.db, groupA.id, [person.id]);
    const b = await badgesOf(database.db, groupB.id, [person.id]);
    expect([[...a.mentors], [...a.clinicians], [...b.mentors]]).toEqual([[person.id], [], []]);
  });
});
