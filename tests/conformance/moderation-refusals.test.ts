/**
 * Lemmy's moderation payloads (bans, moderators) from actors who have no
 * authority change nothing; a ban that a remote group we follow announces
 * is kept in our copy of that group.  The same payloads from a listed
 * moderator are real outcomes in the fixture table (expectations.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarnessedInstance } from "./harness.ts";
import type { ConformanceHarness } from "./harness.ts";
import { assertOutcome, snapshot } from "./outcomes.ts";

const E = "https://enterprise.lemmy.ml";
const MAIN = `${E}/c/main`;
const ALPHA = "https://ds9.lemmy.ml/u/lemmy_alpha";
const CREATE_PAGE = "activities/create_or_update/create_page.json";

let harness: ConformanceHarness;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ harness, stop } = await startHarnessedInstance());
}, 120_000);
afterAll(() => stop?.());

for (const family of ["lemmy-1.0", "lemmy-0.19"]) {
  describe(`${family}: moderation without authority`, () => {
    for (const path of ["activities/block/block_user.json", "activities/community/add_mod.json"]) {
      it(`${path} from a non-moderator changes nothing and sends nothing`, async () => {
        const scenario = await harness.scenario({ family, local: { [MAIN]: "group" } });
        scenario.referencePerson(ALPHA);
        expect(await scenario.replay(CREATE_PAGE)).toBe(202);
        const before = await snapshot(scenario);
        const sent = scenario.received().length;
        expect(await scenario.replay(path)).toBe(202);
        await assertOutcome(scenario, { kind: "unchanged" }, before, sent);
        expect(await harness.pendingRetries()).toBe(0);
      });
    }

    it("an Undo(Block) from a non-moderator does not lift a moderator's ban", async () => {
      const scenario = await harness.scenario({ family, local: { [MAIN]: "group" } });
      await scenario.appoint(`${E}/u/lemmy_beta`);
      expect(await scenario.replay(CREATE_PAGE)).toBe(202);
      expect(await scenario.replay("activities/block/block_user.json")).toBe(202);
      await assertOutcome(scenario, { kind: "banned", actor: ALPHA }, {}, 0);
      const fixture = harness.fixture(family, "activities/block/undo_block_user.json");
      const undo = { ...fixture.json, actor: `${E}/u/someone_else`, id: `${E}/activities/undo/not-a-moderator` };
      expect(await scenario.send(undo)).toBe(202);
      await assertOutcome(scenario, { kind: "banned", actor: ALPHA, reason: "spam post" }, {}, 0);
    });

    it("a Lemmy instance-wide ban (target: the site) changes nothing here", async () => {
      const scenario = await harness.scenario({ family, local: { [MAIN]: "group" } });
      await scenario.appoint(`${E}/u/lemmy_beta`);
      expect(await scenario.replay(CREATE_PAGE)).toBe(202);
      const before = await snapshot(scenario);
      const sent = scenario.received().length;
      const block = harness.fixture(family, "activities/block/block_user.json").json;
      const siteBan = { ...block, id: `${E}/activities/block/site-ban`, target: `${E}/`, cc: [], audience: undefined };
      expect(await scenario.send(siteBan)).toBe(202);
      await assertOutcome(scenario, { kind: "unchanged" }, before, sent);
    });

    it("a ban announced by a remote group we follow is kept in our copy of it", async () => {
      const scenario = await harness.scenario({ family });
      expect(await scenario.follow(MAIN)).toBe(202);
      const block = harness.fixture(family, "activities/block/block_user.json").json;
      const announce = {
        type: "Announce",
        id: `${E}/activities/announce/block-1`,
        actor: MAIN,
        to: ["https://www.w3.org/ns/activitystreams#Public"],
        cc: [`${MAIN}/followers`],
        object: { ...block, id: `${E}/activities/block/announced-1` },
      };
      expect(await scenario.send(announce)).toBe(202);
      const db = harness.instance.kindred.database.db;
      const ban = await db.selectFrom("group_bans")
        .innerJoin("actors as g", "g.id", "group_bans.group_actor_id")
        .innerJoin("actors as a", "a.id", "group_bans.actor_id")
        .select(["group_bans.reason", "g.local"])
        .where("g.uri", "=", scenario.uri(MAIN)).where("a.uri", "=", scenario.uri(ALPHA)).executeTakeFirst();
      expect(ban).toEqual({ reason: "spam post", local: false });
    });
  });
}

describe("a remote group's moderators", () => {
  it("are read from its moderators collection when Kindred stores the group", async () => {
    const scenario = await harness.scenario({ family: "lemmy-1.0" });
    expect(await scenario.follow(`${E}/c/tenforward`)).toBe(202);
    const db = harness.instance.kindred.database.db;
    const staff = await db.selectFrom("group_staff")
      .innerJoin("actors as g", "g.id", "group_staff.group_actor_id")
      .innerJoin("actors as a", "a.id", "group_staff.actor_id")
      .select(["a.uri", "group_staff.role"])
      .where("g.uri", "=", scenario.uri(`${E}/c/tenforward`)).execute();
    expect(staff).toEqual([{ uri: scenario.uri(`${E}/u/picard`), role: "moderator" }]);
  });
});
