/**
 * Reports that concern nothing of ours, and closings by someone who does
 * not moderate, change nothing: payloads in Lemmy's shapes, signed by stub
 * servers, into a live instance.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEMMY_CONTEXT } from "./conformance/load.ts";
import { type ConformanceHarness, PUBLIC, type Scenario, startHarnessedInstance } from "./conformance/harness.ts";
import type { TestInstance } from "./helpers/instance.ts";

const E = "https://enterprise.lemmy.ml";
const MAIN = `${E}/c/main`;
const ALPHA = "https://ds9.lemmy.ml/u/lemmy_alpha";
const USER = "https://ds9.lemmy.ml/u/lemmy_user";

let instance: TestInstance, harness: ConformanceHarness, stop: () => Promise<void>;
beforeAll(async () => {
  ({ instance, harness, stop } = await startHarnessedInstance());
}, 120_000);
afterAll(() => stop?.());

async function reports() {
  return await instance.kindred.database.db.selectFrom("reports").select(["uri", "state"]).orderBy("id").execute();
}

const flag = (id: string, object: string, to = MAIN) => ({
  "@context": LEMMY_CONTEXT, id: `https://ds9.lemmy.ml/activities/flag/${id}`, type: "Flag", actor: ALPHA,
  object, to: [to], summary: "report this",
});

async function withThread(): Promise<Scenario> {
  const s = await harness.scenario({ family: "lemmy-1.0", local: { [MAIN]: "group" } });
  expect(await s.seed({ id: `${E}/post/7`, type: "Page", attributedTo: `${E}/u/lemmy_beta`, name: "post", to: [MAIN, PUBLIC] }))
    .toBe(202);
  return s;
}

describe("inbound reports", () => {
  it("refuses a Flag about a member who neither belongs to nor posted in our group", async () => {
    const s = await withThread();
    const before = await reports();
    expect(await s.send(flag("stranger", `${E}/u/someone_else`))).toBe(202);
    expect(await reports()).toEqual(before);
  });

  it("refuses a Flag about a post of another group, addressed to ours", async () => {
    const s = await withThread();
    const other = await harness.scenario({ family: "lemmy-1.0", local: { [`${E}/c/other`]: "group" } });
    expect(await other.seed({ id: `${E}/post/8`, type: "Page", attributedTo: `${E}/u/lemmy_beta`, name: "elsewhere", to: [`${E}/c/other`, PUBLIC] }))
      .toBe(202);
    const before = await reports();
    const doc = { ...s.rewrite(flag("crossed", `${E}/post/7`)), object: other.uri(`${E}/post/8`) };
    expect(await s.deliver(doc)).toBe(202);
    expect(await reports()).toEqual(before);
  });

  it("accepts a member report of a member who posted in the group", async () => {
    const s = await withThread();
    expect(await s.send(flag("member", `${E}/u/lemmy_beta`))).toBe(202);
    expect((await reports()).at(-1)).toEqual({ uri: s.uri("https://ds9.lemmy.ml/activities/flag/member"), state: "open" });
  });

  it("does not let a remote non-moderator resolve a report; a moderator may", async () => {
    const s = await withThread();
    expect(await s.send(flag("to-resolve", `${E}/post/7`))).toBe(202);
    const resolve = (id: string) => ({
      "@context": LEMMY_CONTEXT, id: `https://ds9.lemmy.ml/activities/resolve/${id}`, type: "Resolve", actor: USER,
      to: [MAIN], object: flag("to-resolve", `${E}/post/7`),
    });
    expect(await s.send(resolve("early"))).toBe(202);
    expect((await reports()).at(-1)!.state).toBe("open");
    await s.appoint(USER);
    expect(await s.send(resolve("late"))).toBe(202);
    expect((await reports()).at(-1)!.state).toBe("resolved");
  });
});
