/**
 * The fixture conformance suite: every payload under
 * ../shared/fixtures/activitypub (Lemmy 1.0 and 0.19, Mastodon, Mbin,
 * NodeBB, Discourse, lotide) is replayed into a live Kindred instance by
 * signed stub servers (harness.ts), and its outcome is checked against the
 * expectation table (expectations.ts, expectations-more.ts).  A payload
 * without an expectation fails the suite: new payload sets must be
 * classified.
 *
 * Each payload gets a scenario of its own (a namespace on the stubs and its
 * own Kindred groups), set up by the entry's `follows`, `seed` and `after`,
 * on one instance.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForQueues } from "../helpers/federation.ts";
import { startInstance, type TestInstance } from "../helpers/instance.ts";
import { MORE_EXPECTATIONS } from "./expectations-more.ts";
import { EXPECTATIONS, type Expectation } from "./expectations.ts";
import { ConformanceHarness } from "./harness.ts";
import { FIXTURE_DIR, LEMMY_CONTEXT, loadFixtures } from "./load.ts";
import { assertOutcome, snapshot } from "./outcomes.ts";

const fixtures = loadFixtures(FIXTURE_DIR);
const table: Record<string, Expectation> = { ...EXPECTATIONS, ...MORE_EXPECTATIONS };

let instance: TestInstance;
let harness: ConformanceHarness;

beforeAll(async () => {
  instance = await startInstance({ LOG_LEVEL: "error" });
  harness = await ConformanceHarness.start(instance, fixtures, { defaultContext: LEMMY_CONTEXT });
}, 120_000);
afterAll(async () => {
  await harness?.close();
  await instance?.stop();
});

describe("the fixture table", () => {
  it("finds the payloads", () => {
    expect(fixtures.length).toBeGreaterThan(100);
    expect(new Set(fixtures.map((f) => f.kind))).toEqual(new Set(["activity", "object", "collection"]));
  });

  it("has an expectation for every payload, and none for a missing one", () => {
    const paths = fixtures.map((f) => f.path);
    expect(paths.filter((p) => !(p in table)), "payloads without an expectation: classify them").toEqual([]);
    expect(Object.keys(table).filter((p) => !paths.includes(p)), "expectations without a payload").toEqual([]);
  });
});

describe("replaying payloads of other servers", () => {
  for (const fixture of fixtures) {
    const entry = table[fixture.path];
    it(`${fixture.path} (${fixture.kind} ${fixture.type}): ${entry?.why ?? "NO EXPECTATION"}`, async () => {
      expect(entry, `no expectation for ${fixture.path}: add it to the table`).toBeDefined();
      const scenario = await harness.scenario({ family: fixture.family, local: entry.local });
      for (const follow of entry.follows ?? []) {
        const { group, accept } = typeof follow === "string" ? { group: follow, accept: true } : follow;
        const status = await scenario.follow(group, { accept });
        if (accept) expect(status, `Accept from ${group}`).toBe(202);
      }
      for (const person of entry.people ?? []) scenario.referencePerson(person);
      for (const moderator of entry.moderators ?? []) await scenario.appoint(moderator);
      for (const object of entry.seed ?? []) expect(await scenario.seed(object), "seed").toBe(202);
      for (const path of entry.after ?? []) expect(await scenario.replay(path), path).toBe(202);

      const before = await snapshot(scenario);
      const sentBefore = scenario.received().length;
      const status = await scenario.replay(fixture);
      expect(status, "HTTP status of the delivery").toBe(entry.status ?? 202);
      await waitForQueues([instance]);
      for (const outcome of entry.expect) await assertOutcome(scenario, outcome, before, sentBefore);
      // A listener that threw (rather than refusing) leaves a retry behind.
      expect(await harness.pendingRetries(), "failed inbox handlers or deliveries").toBe(0);
    });
  }
});
