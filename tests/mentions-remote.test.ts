/**
 * A post from another server that mentions a local member (a `Mention`
 * tag) notifies that member, through the conformance harness's signed
 * stub servers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findAccountByUsername } from "../db/accounts.ts";
import { listNotifications } from "../db/notifications.ts";
import { type ConformanceHarness, startHarnessedInstance } from "./conformance/harness.ts";
import { LEMMY_CONTEXT, PUBLIC } from "./conformance/load.ts";
import type { TestInstance } from "./helpers/instance.ts";

const MAIN = "https://enterprise.lemmy.ml/c/main";
const ALPHA = "https://ds9.lemmy.ml/u/lemmy_alpha";
// Stands for the local member `kim` (the harness maps it to Kindred).
const KIM = "https://enterprise.lemmy.ml/u/kim_here";

let instance: TestInstance;
let harness: ConformanceHarness;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ instance, harness, stop } = await startHarnessedInstance());
}, 120_000);
afterAll(() => stop?.());

describe("mentions from other servers", () => {
  it("notify the local member a Mention tag names", async () => {
    const s = await harness.scenario({ family: "lemmy-1.0", local: { [MAIN]: "group", [KIM]: "member" } });
    const member = harness.member;
    const page = {
      type: "Page",
      id: "https://ds9.lemmy.ml/post/mentions-1",
      attributedTo: ALPHA,
      name: "Has anyone tried pacing apps?",
      content: `<p>Asking <a href="${KIM}" class="mention">@${member.username}</a> in particular.</p>`,
      to: [MAIN, PUBLIC],
      audience: MAIN,
      tag: [{ type: "Mention", href: KIM, name: `@${member.username}@${instance.host}` }],
    };
    const create = {
      "@context": LEMMY_CONTEXT,
      id: "https://ds9.lemmy.ml/activities/create/mentions-1",
      type: "Create",
      actor: ALPHA,
      object: page,
      to: [MAIN, PUBLIC],
    };
    expect(await s.send(create)).toBe(202);
    const account = await findAccountByUsername(instance.kindred.database.db, member.username);
    const notes = await listNotifications(instance.kindred.database.db, account!.id);
    expect(notes.map((n) => [n.kind, n.thread_title])).toEqual([["mention", "Has anyone tried pacing apps?"]]);
  });
});
