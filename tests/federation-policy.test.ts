/**
 * Instance federation policy across live instances (issue #6, item 2).
 * A hosts a group followed from B and C.  All instances listen on
 * 127.0.0.1, so rules name the `host:port` authority.
 */
import { signRequest } from "@fedify/fedify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveActor } from "../federation/remote-actors.ts";
import { removeDomain, setDomainRule, setFederationMode } from "../src/federation-policy.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

let a: TestInstance, b: TestInstance, c: TestInstance;
let olive: Member, bob: Member, carol: Member;
const groupIds = new Map<Member, number>();
let groupUri: string;
let cStopped = false;
const live = () => (cStopped ? [a, b] : [a, b, c]);

beforeAll(async () => {
  [a, b, c] = await Promise.all([startInstance(), startInstance(), startInstance()]);
  [olive, bob, carol] = await Promise.all([createMember(a, "olive"), createMember(b, "bob"), createMember(c, "carol")]);
  await createLocalGroup(a, { slug: "circle", name: "Circle", owner: "olive" });
  groupUri = new URL("/@circle", a.url).href;
  for (const m of [olive, bob, carol]) {
    const res = await apiOk(m, "POST", "/groups/follow", { handle: m.instance === a ? "circle" : groupUri });
    groupIds.set(m, res.group.id);
  }
  await waitForQueues(live());
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b, ...(cStopped ? [] : [c])].filter(Boolean).map((i) => i.stop()));
});

const aDb = () => a.kindred.database.db;
const rule = (domain: string, action: string) => setDomainRule(aDb(), null, domain, action);

async function post(member: Member, title: string, body = "Nothing personal here.") {
  const { post } = await apiOk(member, "POST", `/groups/${groupIds.get(member)}/threads`, { title, body });
  await waitForQueues(live());
  return post as { uri: string };
}

async function stored(instance: TestInstance, uri: string) {
  return await instance.kindred.database.db.selectFrom("posts").select(["uri", "content_html"])
    .where("uri", "=", uri).executeTakeFirst();
}

const fedify = (i: TestInstance) => i.kindred.federation.createContext(i.url, i.kindred.contextData);

/** A GET for ActivityPub JSON signed by `from`'s instance actor. */
async function signedGet(from: TestInstance, url: string): Promise<Response> {
  const pairs = await fedify(from).getActorKeyPairs("_instance");
  const rsa = pairs.find((p) => p.privateKey.algorithm.name === "RSASSA-PKCS1-v1_5")!;
  const request = new Request(url, { headers: { Accept: "application/activity+json" } });
  return await fetch(await signRequest(request, rsa.privateKey, rsa.keyId));
}

describe("instance federation policy", () => {
  it("limit: stores B's post in A's group but does not announce it to C; reject_media drops its media links", async () => {
    await rule(b.host, "limit");
    await rule(b.host, "reject-media");
    const limited = await post(bob, "From a limited server", "My [scan](https://example.org/scan.png) and [a guide](https://example.org/guide).");
    const onA = await stored(a, limited.uri);
    expect(onA).toBeDefined();
    expect(onA!.content_html).not.toContain("scan.png");
    expect(onA!.content_html).toContain("scan");
    expect(onA!.content_html).toContain("https://example.org/guide");
    expect(await stored(c, limited.uri)).toBeUndefined();
    // Without the rule the same path does reach C.
    await removeDomain(aDb(), null, b.host);
    const free = await post(bob, "From a free server again");
    expect(await stored(c, free.uri)).toBeDefined();
  });

  it("block: B's activities are refused with 403 and store nothing; A sends nothing to B and fetches nothing from it", async () => {
    await rule(b.host, "block");
    // The HTTP layer refuses by the signature's key before Fedify runs.
    const forged = await fetch(new URL("/inbox", a.url), {
      method: "POST",
      headers: {
        "Content-Type": "application/activity+json",
        Signature: `keyId="${bob.uri}#main-key",algorithm="rsa-sha256",headers="(request-target) host date",signature="AAAA"`,
      },
      body: JSON.stringify({ type: "Follow", actor: bob.uri, object: groupUri }),
    });
    expect(forged.status).toBe(403);
    // Real traffic from B: a post and a new member's join.
    const refused = await post(bob, "Sent while blocked");
    expect(await stored(a, refused.uri)).toBeUndefined();
    const mallory = await createMember(b, "mallory");
    await apiOk(mallory, "POST", "/groups/follow", { handle: groupUri });
    await waitForQueues(live());
    const follow = await aDb().selectFrom("follows").innerJoin("actors", "actors.id", "follows.follower_id")
      .select("actors.uri").where("actors.uri", "=", mallory.uri).executeTakeFirst();
    expect(follow).toBeUndefined();
    // Outbound: A's new post reaches C but not B, although B follows.
    const fromA = await post(olive, "Only for friends");
    expect(await stored(c, fromA.uri)).toBeDefined();
    expect(await stored(b, fromA.uri)).toBeUndefined();
    // Signed fetches: B's get 403, C's are served.
    expect((await signedGet(b, groupUri)).status).toBe(403);
    expect((await signedGet(c, groupUri)).status).toBe(200);
    // A's own fetches never go to B, and members are told why.
    await createLocalGroup(b, { slug: "b-circle", name: "B circle", owner: "bob" });
    const join = await api(olive, "POST", "/groups/follow", { handle: new URL("/@b-circle", b.url).href });
    expect(join.status).toBe(422);
    expect(join.json.error).toMatch(/federation policy/);
    await waitForQueues(live());
    const olivesFollow = await b.kindred.database.db.selectFrom("follows").innerJoin("actors", "actors.id", "follows.follower_id")
      .select("actors.uri").where("actors.uri", "=", olive.uri).executeTakeFirst();
    expect(olivesFollow).toBeUndefined();
    await expect(resolveActor(fedify(a), new URL(`${b.url.origin}/@nobody-known`))).rejects.toThrow(/federation policy/);
    // A rule on the host alone covers every port of it.
    await removeDomain(aDb(), null, b.host);
    await rule("127.0.0.1", "block");
    expect((await signedGet(c, groupUri)).status).toBe(403);
    await removeDomain(aDb(), null, "127.0.0.1");
    expect((await signedGet(c, groupUri)).status).toBe(200);
  });

  it("allowlist: only listed servers get in or out", async () => {
    await setFederationMode(aDb(), null, "allowlist");
    await rule(c.host, "allow");
    try {
      expect((await signedGet(b, groupUri)).status).toBe(403);
      expect((await signedGet(c, groupUri)).status).toBe(200);
      const fromB = await post(bob, "From an unlisted server");
      expect(await stored(a, fromB.uri)).toBeUndefined();
      const fromC = await post(carol, "From a listed server");
      expect(await stored(a, fromC.uri)).toBeDefined();
      const fromA = await post(olive, "To listed servers only");
      expect(await stored(c, fromA.uri)).toBeDefined();
      expect(await stored(b, fromA.uri)).toBeUndefined();
    } finally {
      await setFederationMode(aDb(), null, "open");
      await removeDomain(aDb(), null, c.host);
    }
  });

  it("closed: refuses everyone", async () => {
    await setFederationMode(aDb(), null, "closed");
    try {
      expect((await signedGet(c, groupUri)).status).toBe(403);
      const fromC = await post(carol, "Into a closed instance");
      expect(await stored(a, fromC.uri)).toBeUndefined();
      const fromA = await post(olive, "Out of a closed instance");
      expect(await stored(c, fromA.uri)).toBeUndefined();
    } finally {
      await setFederationMode(aDb(), null, "open");
    }
    expect((await signedGet(c, groupUri)).status).toBe(200);
  });

  it("drops deliveries queued before the block when they are dequeued", async () => {
    const cInbox = `${c.url.origin}/`;
    await c.stop();
    cStopped = true;
    await apiOk(olive, "POST", `/groups/${groupIds.get(olive)}/threads`, { title: "While C is down", body: "Queued." });
    // The delivery to C fails and waits in A's queue for a retry.
    const queuedForC = async (waitingOnly = false) => {
      const { rows } = await sql<{ n: number }>`select cast(count(*) as int) as n from queue_messages
        where message->>'type' = 'outbox' and message->>'inbox' like ${cInbox + "%"}
          and (${!waitingOnly} or (deliver_at > now() and locked_until is null))`.execute(aDb());
      return rows[0].n;
    };
    // Every delivery to C has failed once and waits for its retry (none in progress).
    const deadline = Date.now() + 20_000;
    for (;;) {
      await waitForQueues([a]);
      const waiting = await queuedForC(true);
      if (waiting > 0 && waiting === await queuedForC()) break;
      if (Date.now() > deadline) throw new Error("no retry queued for C");
      await new Promise((r) => setTimeout(r, 100));
    }
    await rule(c.host, "block");
    // Make the retries due now: without the rule they would fail and be queued again.
    await sql`update queue_messages set deliver_at = now()`.execute(aDb());
    await waitForQueues([a]);
    expect(await queuedForC()).toBe(0);
  });
});

describe("secure mode", () => {
  let d: TestInstance;
  beforeAll(async () => {
    d = await startInstance({ SECURE_MODE: "true" });
    await createMember(d, "dana");
    await createLocalGroup(d, { slug: "quiet", name: "Quiet", owner: "dana" });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  });

  it("refuses unsigned ActivityPub GETs with 401 and serves signed ones", async () => {
    const outbox = new URL("/@quiet/outbox", d.url).href;
    const unsigned = await fetch(outbox, { headers: { Accept: "application/activity+json" } });
    expect(unsigned.status).toBe(401);
    const signed = await signedGet(a, outbox);
    expect(signed.status).toBe(200);
    expect((await signed.json()).type).toBe("OrderedCollection");
    // A bad signature is no signature.
    const forged = await fetch(outbox, {
      headers: {
        Accept: "application/activity+json",
        Signature: `keyId="${a.url.origin}/@_instance#main-key",algorithm="rsa-sha256",headers="(request-target) host date",signature="AAAA"`,
      },
    });
    expect(forged.status).toBe(401);
    // Actor documents stay readable: peers fetch our keys from them.
    const actor = await fetch(new URL("/@quiet", d.url), { headers: { Accept: "application/activity+json" } });
    expect(actor.status).toBe(200);
    // Web pages are not ActivityPub requests.
    expect((await fetch(new URL("/@quiet", d.url))).status).toBe(200);
  });
});
