/**
 * A remote non-moderator's Delete, Lock or Add (pin) of a post in our group
 * changes nothing: Lemmy's own payloads, replayed by the conformance
 * harness's signed stubs, from actors the group does not list.  (The same
 * payloads from a listed moderator are honoured: tests/conformance.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceHarness, startHarnessedInstance } from "./conformance/harness.ts";
import type { TestInstance } from "./helpers/instance.ts";

let instance: TestInstance;
let harness: ConformanceHarness;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ instance, harness, stop } = await startHarnessedInstance());
}, 120_000);
afterAll(() => stop?.());

const E = "https://enterprise.lemmy.ml";
const DS9 = "https://ds9.lemmy.ml";
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const A8541 = "http://lemmy-alpha:8541";

const cases = [
  {
    fixture: "activities/deletion/remove_note.json",
    group: `${E}/c/main`,
    after: ["activities/create_or_update/create_page.json", "activities/create_or_update/create_comment.json"],
    post: `${DS9}/comment/1`,
  },
  {
    fixture: "activities/community/lock_page.json",
    group: `${A8541}/c/main`,
    seed: [{ id: `${A8541}/post/2`, type: "Page", attributedTo: `${A8541}/u/other`, name: "T", content: "<p>x</p>", to: [`${A8541}/c/main`, PUBLIC] }],
    post: `${A8541}/post/2`,
  },
  {
    fixture: "activities/community/add_featured_post.json",
    group: `${DS9}/c/main`,
    seed: [`${DS9}/post/2`],
    post: `${DS9}/post/2`,
  },
];

describe("moderation from a remote non-moderator", () => {
  for (const c of cases) {
    it(`${c.fixture} changes nothing`, async () => {
      const s = await harness.scenario({ family: "lemmy-1.0", local: { [c.group]: "group" } });
      for (const seed of c.seed ?? []) expect(await s.seed(seed)).toBe(202);
      for (const path of c.after ?? []) expect(await s.replay(path)).toBe(202);
      const db = instance.kindred.database.db;
      const row = () =>
        db.selectFrom("posts").select(["removed_at", "locked_at", "pinned_at", "deleted_at", "content_html"])
          .where("uri", "=", s.uri(c.post)).executeTakeFirstOrThrow();
      const before = await row();
      expect(await s.replay(c.fixture)).toBe(202);
      expect(await row()).toEqual(before);
      expect([before.removed_at, before.locked_at, before.pinned_at]).toEqual([null, null, null]);
      const logged = await db.selectFrom("moderation_log").select("id").execute();
      expect(logged).toEqual([]);
    });
  }
});
