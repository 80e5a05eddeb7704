/**
 * Issue #7: our member's posts in a private group hosted on another server.
 * Four live instances: A hosts the private group and lists B and C as
 * partners; bob (on B) and carl (on C) are approved members; D has no member.
 * bob posts a thread with an image, and a reply, into A's group from B.  The
 * group's server (A) and the partner it passes the posts on to (C) fetch
 * them at their ids on B, and the image, with signed requests; D, or anyone
 * unsigned, still cannot.  B asks A whether a signer's server belongs to the
 * group (`?is_follower=` on the group's followers collection, as Lemmy 1.0
 * does), and A answers only its members' servers.
 */
import { signRequest } from "@fedify/fedify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDomainRule } from "../src/federation-policy.ts";
import { apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { lacePng } from "./helpers/images.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

let a: TestInstance, b: TestInstance, c: TestInstance, d: TestInstance;
let olive: Member, bob: Member, carl: Member;
let thread: { id: number; uri: string }, reply: { id: number; uri: string };
let imageUrl: string;
const all = () => [a, b, c, d];
const groupUri = () => new URL("/@quiet-room", a.url).href;
const fedify = (i: TestInstance) => i.kindred.federation.createContext(i.url, i.kindred.contextData);

/** A GET for ActivityPub JSON (or any resource), signed by `from`'s instance actor, or unsigned. */
async function signedGet(url: string, from?: TestInstance, accept = "application/activity+json"): Promise<Response> {
  const request = new Request(url, { headers: { Accept: accept } });
  if (!from) return await fetch(request);
  const pairs = await fedify(from).getActorKeyPairs("_instance");
  const rsa = pairs.find((p) => p.privateKey.algorithm.name === "RSASSA-PKCS1-v1_5")!;
  return await fetch(await signRequest(request, rsa.privateKey, rsa.keyId));
}

async function approveAll(groupActorId: number) {
  const { requests } = await apiOk(olive, "GET", `/groups/${groupActorId}/requests`);
  for (const r of requests) await apiOk(olive, "POST", `/groups/${groupActorId}/requests/${r.id}/approve`);
  await waitForQueues(all());
}

beforeAll(async () => {
  [a, b, c, d] = await Promise.all([startInstance(), startInstance(), startInstance(), startInstance()]);
  [olive, bob, carl] = await Promise.all([createMember(a, "olive"), createMember(b, "bob"), createMember(c, "carl")]);
  await setDomainRule(a.kindred.database.db, null, b.host, "partner");
  await setDomainRule(a.kindred.database.db, null, c.host, "partner");
  await createLocalGroup(a, { slug: "quiet-room", name: "Quiet room", owner: "olive", visibility: "private" });
  const groupOnA = (await apiOk(olive, "POST", "/groups/follow", { handle: "quiet-room" })).group.id;
  const groupOnB = (await apiOk(bob, "POST", "/groups/follow", { handle: groupUri() })).group.id;
  await apiOk(carl, "POST", "/groups/follow", { handle: groupUri() });
  await waitForQueues(all());
  await approveAll(groupOnA);
  const created = await apiOk(bob, "POST", `/groups/${groupOnB}/threads`, {
    title: "Only for us", body: "A photo of my pill box.", images: [{ data: Buffer.from(lacePng()).toString("base64"), alt: "My pill box" }],
  });
  thread = created.post;
  imageUrl = created.post.images?.[0]?.url ?? created.images?.[0]?.url;
  reply = (await apiOk(bob, "POST", `/posts/${thread.id}/replies`, { body: "And a reply." })).post;
  await waitForQueues(all());
}, 180_000);

afterAll(async () => {
  await Promise.all(all().filter(Boolean).map((i) => i.stop()));
});

describe("our member's content in another server's private group", () => {
  it("reached the group's server and its partner", async () => {
    for (const i of [a, c]) {
      const row = await i.kindred.database.db.selectFrom("posts").select("id").where("uri", "=", thread.uri).executeTakeFirst();
      expect(row, `thread on ${i.host}`).toBeDefined();
    }
    expect(imageUrl).toMatch(/\/media\//);
  });

  it("is fetched at its id by the group's server and by the partner it passes it on to", async () => {
    for (const from of [a, c]) {
      for (const uri of [thread.uri, reply.uri]) {
        const res = await signedGet(uri, from);
        expect(res.status, `${uri} signed by ${from.host}`).toBe(200);
        expect((await res.json()).id).toBe(uri);
      }
      expect((await signedGet(imageUrl, from, "image/*")).status, `image signed by ${from.host}`).toBe(200);
    }
  });

  it("serves bob's Create at its id to the group's server, not to D", async () => {
    const rows = await b.kindred.database.db.selectFrom("activities").select(["uri", "json"]).where("type", "=", "Create").execute();
    const create = rows.find((r) => JSON.stringify(r.json).includes(thread.uri));
    expect(create, "bob's Create stored on B").toBeDefined();
    expect((await signedGet(create!.uri, a)).status).toBe(200);
    expect((await signedGet(create!.uri, d)).status).toBe(404);
  });

  it("is refused to a server without a member, and unsigned", async () => {
    for (const uri of [thread.uri, reply.uri]) {
      expect((await signedGet(uri, d)).status, `${uri} signed by D`).toBe(401);
      expect((await signedGet(uri)).status, `${uri} unsigned`).toBe(401);
    }
    expect((await signedGet(imageUrl, d, "image/*")).status).toBe(404);
    expect((await signedGet(imageUrl, undefined, "image/*")).status).toBe(404);
  });

  it("the group's server answers is_follower only for its members' servers, and only to them", async () => {
    const followers = `${groupUri()}/followers?is_follower=`;
    expect((await signedGet(followers + encodeURIComponent(new URL("/actor", c.url).href), b)).status).toBe(200);
    expect((await signedGet(followers + encodeURIComponent(new URL("/actor", d.url).href), b)).status).toBe(404);
    // Asked by a server without a member: refused, whatever it asks.
    expect((await signedGet(followers + encodeURIComponent(new URL("/actor", c.url).href), d)).status).toBe(401);
  });

  it("is refused to C once carl has left", async () => {
    const groupOnC = (await c.kindred.database.db.selectFrom("actors").select("id").where("uri", "=", groupUri()).executeTakeFirstOrThrow()).id;
    await apiOk(carl, "POST", `/groups/${groupOnC}/leave`);
    await waitForQueues(all());
    expect((await signedGet(thread.uri, c)).status).toBe(401);
    expect((await signedGet(thread.uri, a)).status, "the group's own server still").toBe(200);
  });
});
