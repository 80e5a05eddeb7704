/**
 * Votes arriving at the same moment are all counted: two transactions
 * voting on one post, the second starting while the first is still open.
 * (On PostgreSQL, without the post's row lock, the second recount would not
 * see the first vote.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setVote } from "../db/posts.ts";
import { createTestDatabase, type TestDatabase, testEngine } from "./helpers/database.ts";

let database: TestDatabase;
let postId: number;
const voters: number[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  const actor = (n: string, type: "Group" | "Person") =>
    db.insertInto("actors").values({ uri: `https://remote.example/${n}`, type, username: n, host: "remote.example" })
      .returning("id").executeTakeFirstOrThrow();
  const group = await actor("group", "Group");
  for (const n of ["ann", "ben"]) voters.push((await actor(n, "Person")).id);
  postId = (await db.insertInto("posts").values({
    uri: "https://remote.example/posts/1", group_id: group.id, author_id: voters[0], title: "A thread",
  }).returning("id").executeTakeFirstOrThrow()).id;
}, 60_000);
afterAll(() => database?.dispose());

describe(`vote counting (${testEngine})`, () => {
  it("counts two votes cast at the same time", async () => {
    const db = database.db;
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((r) => (releaseFirst = r));
    let firstVoted!: () => void;
    const firstIn = new Promise<void>((r) => (firstVoted = r));
    const first = db.transaction().execute(async (trx) => {
      await setVote(trx, voters[0], postId, 1, null);
      firstVoted();
      await firstHolds;
    });
    await firstIn;
    const second = db.transaction().execute((trx) => setVote(trx, voters[1], postId, 1, null));
    // Let the second transaction reach the database before the first commits.
    await new Promise((r) => setTimeout(r, 200));
    releaseFirst();
    await Promise.all([first, second]);
    const post = await db.selectFrom("posts").select("like_count").where("id", "=", postId).executeTakeFirstOrThrow();
    expect(post.like_count).toBe(2);
  });
});
