/**
 * Polls with Mastodon-shaped payloads, through the conformance harness's
 * signed stub servers: a Mastodon `Question` in a local group (stored with
 * its options and counts, updated by its author only), a local member's
 * vote sent to the poll's author as Mastodon expects, and a Mastodon
 * user's vote on a local poll (counted; refused for an unknown option,
 * after the end, or from someone who is not the vote's author).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceHarness, type Scenario, startHarnessedInstance } from "./conformance/harness.ts";
import { PUBLIC } from "./conformance/load.ts";
import { apiOk, waitForQueues } from "./helpers/federation.ts";
import type { TestInstance } from "./helpers/instance.ts";

const MASTODON_CONTEXT = ["https://www.w3.org/ns/activitystreams", {
  toot: "http://joinmastodon.org/ns#",
  votersCount: "toot:votersCount",
  sensitive: "as:sensitive",
}];
const GROUP = "https://enterprise.lemmy.ml/c/main";
const FELIX = "https://mastodon.madrid/users/felix";
const RETIOLUS = "https://mamot.fr/users/retiolus";

let instance: TestInstance;
let harness: ConformanceHarness;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ instance, harness, stop } = await startHarnessedInstance());
}, 120_000);
afterAll(() => stop?.());

function question(id: string, counts: number[], extra: Record<string, unknown> = {}) {
  return {
    id,
    type: "Question",
    attributedTo: FELIX,
    content: `<p>Which time suits the group call? <span class="h-card"><a href="${GROUP}" class="u-url mention">@main</a></span></p>`,
    published: "2026-11-20T10:00:00Z",
    endTime: "2099-01-01T10:00:00Z",
    to: [PUBLIC],
    cc: [`${FELIX}/followers`, GROUP],
    tag: [{ type: "Mention", href: GROUP, name: "@main" }],
    sensitive: false,
    votersCount: counts.reduce((a, b) => a + b, 0),
    oneOf: ["Morning", "Evening"].map((name, i) => ({
      type: "Note",
      name,
      replies: { type: "Collection", totalItems: counts[i] },
    })),
    ...extra,
  };
}

async function pollRow(s: Scenario, uri: string) {
  const db = instance.kindred.database.db;
  const post = await db.selectFrom("posts").selectAll().where("uri", "=", s.uri(uri)).executeTakeFirst();
  if (!post) return undefined;
  const options = await db.selectFrom("poll_options").select(["name", "votes_count"]).where("post_id", "=", post.id)
    .orderBy("position").execute();
  const poll = await db.selectFrom("polls").selectAll().where("post_id", "=", post.id).executeTakeFirst();
  return { post, poll, options: options.map((o) => [o.name, o.votes_count]) };
}

describe("Mastodon polls", () => {
  it("stores a Mastodon Question in a local group, takes its author's Update and refuses anyone else's", async () => {
    const s = await harness.scenario({ local: { [GROUP]: "group" } });
    const id = `${FELIX}/statuses/900001`;
    expect(await s.send({
      "@context": MASTODON_CONTEXT, id: `${id}/activity`, type: "Create", actor: FELIX,
      to: [PUBLIC], cc: [`${FELIX}/followers`, GROUP], object: question(id, [2, 1]),
    })).toBe(202);
    const stored = await pollRow(s, id);
    expect(stored?.post.title).toBe("Which time suits the group call? @main");
    expect(stored?.options).toEqual([["Morning", 2], ["Evening", 1]]);
    expect(stored?.poll?.multiple).toBe(false);
    expect(stored?.poll?.voters_count).toBe(3);

    // Mastodon's count update: an Update(Question) from the author, without `updated`.
    expect(await s.send({
      "@context": MASTODON_CONTEXT, id: `${id}#updates/1`, type: "Update", actor: FELIX,
      to: [PUBLIC], object: question(id, [2, 4]),
    })).toBe(202);
    expect((await pollRow(s, id))?.options).toEqual([["Morning", 2], ["Evening", 4]]);
    expect((await pollRow(s, id))?.poll?.voters_count).toBe(6);

    // Someone else's Update of it changes nothing.
    await s.send({
      "@context": MASTODON_CONTEXT, id: `${RETIOLUS}#updates/1`, type: "Update", actor: RETIOLUS,
      to: [PUBLIC], object: question(id, [50, 50]),
    }, { publish: false });
    expect((await pollRow(s, id))?.options).toEqual([["Morning", 2], ["Evening", 4]]);
  });

  it("sends a local member's vote to the poll's author as a Create(Note) with the option's name", async () => {
    const s = await harness.scenario({ local: { [GROUP]: "group" } });
    const id = `${FELIX}/statuses/900002`;
    await s.send({
      "@context": MASTODON_CONTEXT, id: `${id}/activity`, type: "Create", actor: FELIX,
      to: [PUBLIC], cc: [GROUP], object: question(id, [0, 0]),
    });
    const kim = harness.member;
    await apiOk(kim, "POST", "/groups/follow", { handle: s.group });
    const { post } = (await pollRow(s, id))!;
    const voted = await apiOk(kim, "POST", `/posts/${post.id}/poll/votes`, { choices: [1] });
    expect(voted.poll.myChoices).toEqual([1]);
    await waitForQueues([instance]);
    const [vote] = await s.waitForDeliveries((r) => r.json?.type === "Create" && r.json.object?.inReplyTo === s.uri(id));
    expect(vote.url).toBe(`${s.uri(FELIX)}/inbox`);
    expect(vote.json.actor).toBe(kim.uri);
    expect(vote.json.object).toMatchObject({ type: "Note", name: "Evening", attributedTo: kim.uri, to: s.uri(FELIX) });
    expect(vote.json.object.content).toBeUndefined();
    expect(JSON.stringify(vote.json)).not.toContain(PUBLIC);
    // The vote is not kept or served.
    expect((await fetch(vote.json.id, { headers: { Accept: "application/activity+json" } })).status).toBe(404);
    // The origin counts: nothing changes here until its Update arrives.
    expect((await pollRow(s, id))?.options).toEqual([["Morning", 0], ["Evening", 0]]);
  });

  it("counts a Mastodon user's vote on a local poll, and refuses bad votes", async () => {
    const s = await harness.scenario({ local: { [GROUP]: "group" } });
    const kim = harness.member;
    const { group } = await apiOk(kim, "POST", "/groups/follow", { handle: s.group });
    const created = await apiOk(kim, "POST", `/groups/${group.id}/polls`, {
      title: "Should we move the meeting online?", options: ["Yes", "No"], duration: "1d",
    });
    const uri = created.post.uri;
    // The stubs serve the voters (with their keys) once a payload names them.
    s.rewrite({ type: "Create", actor: [FELIX, RETIOLUS] });
    // Written with the stubs' URIs (the poll and kim are on Kindred already).
    const vote = (n: number, name: string, original = FELIX, attributedTo = original) => {
      const actor = s.uri(original);
      return s.deliver({
        "@context": MASTODON_CONTEXT, id: `${actor}#votes/${n}/activity`, type: "Create", actor,
        to: [kim.uri],
        object: { id: `${actor}#votes/${n}`, type: "Note", name, attributedTo: s.uri(attributedTo), inReplyTo: uri, to: [kim.uri] },
      }, { publish: false });
    };
    const counts = async () => (await apiOk(kim, "GET", `/posts/${created.post.id}/poll`)).poll.options.map((o: any) => o.votes);

    expect(await vote(1, "Yes")).toBe(202);
    expect(await counts()).toEqual([1, 0]);
    expect(await vote(2, "Maybe")).toBe(202);
    expect(await vote(3, "No", RETIOLUS, FELIX)).toBe(202);
    expect(await counts()).toEqual([1, 0]);
    // Nobody sees who: the served Question has counts only.
    const served = await (await fetch(uri, { headers: { Accept: "application/activity+json" } })).json();
    expect(served.oneOf.map((o: any) => o.replies.totalItems)).toEqual([1, 0]);
    expect(JSON.stringify(served)).not.toContain("felix");

    await instance.kindred.database.db.updateTable("polls").set({ end_time: new Date(Date.now() - 1000) })
      .where("post_id", "=", created.post.id).execute();
    expect(await vote(4, "No", RETIOLUS)).toBe(202);
    expect(await counts()).toEqual([1, 0]);
  });
});
