/**
 * A group's fan-out (federation/group-fanout.ts): one queued message becomes
 * one HTTP-signed delivery per inbox, in order, with the JSON served at the
 * activity's id; shared inboxes are used once per server; blocked actors get
 * nothing.
 */
import { createServer, type Server } from "node:http";
import { verifyRequest } from "@fedify/fedify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publicKeyPem } from "../bench/peers.ts";
import { sql } from "kysely";
import { expandGroupFanout, GROUP_FANOUT, staleDelivery } from "../federation/group-fanout.ts";
import { changeGroup } from "../src/groups.ts";
import { loadKeyPairs } from "../db/keys.ts";
import { keyOwner } from "../federation/keys.ts";
import { removeDomain, setDomainRule } from "../src/federation-policy.ts";
import { queueRows, seedFollower, waitFor } from "./helpers/fault-peers.ts";
import { apiOk, createLocalGroup, createMember, waitForQueues } from "./helpers/federation.ts";
import { freePort, startInstance, type TestInstance } from "./helpers/instance.ts";

interface Received {
  path: string;
  body: string;
  request: Request;
}

/** A remote server with actors `/u/0` …, a shared inbox at `/inbox`, recording each POST in order. */
async function startRecordingPeer(pem: string, software?: string) {
  const port = await freePort();
  const origin = new URL(`http://127.0.0.1:${port}/`);
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      if (req.method === "POST") {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        received.push({
          path: req.url ?? "",
          body,
          request: new Request(new URL(req.url ?? "/", origin), { method: "POST", headers, body }),
        });
        res.writeHead(202).end();
        return;
      }
      if (software && req.url === "/.well-known/nodeinfo") {
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
          links: [{ rel: "http://nodeinfo.diaspora.software/ns/schema/2.1", href: new URL("nodeinfo/2.1", origin).href }],
        }));
      }
      if (software && req.url === "/nodeinfo/2.1") {
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
          version: "2.1", software: { name: software, version: "1.0" }, protocols: ["activitypub"],
          services: { inbound: [], outbound: [] }, openRegistrations: false, usage: { users: {} }, metadata: {},
        }));
      }
      const m = /^\/u\/(\d+)$/.exec(req.url ?? "");
      if (!m) return void res.writeHead(404).end();
      const id = new URL(`u/${m[1]}`, origin).href;
      res.writeHead(200, { "content-type": "application/activity+json" }).end(JSON.stringify({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        id,
        type: "Person",
        inbox: `${id}/inbox`,
        endpoints: { sharedInbox: new URL("inbox", origin).href },
        publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: pem },
      }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    origin,
    received,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

type Peer = Awaited<ReturnType<typeof startRecordingPeer>>;

describe("a group's fan-out", () => {
  let instance: TestInstance;
  let peers: Peer[];

  beforeAll(async () => {
    instance = await startInstance();
    const pem = await publicKeyPem();
    peers = await Promise.all([0, 1, 2].map(() => startRecordingPeer(pem)));
  });

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await instance.stop();
  });

  it("sends each follower's server the group's Announces once, in order, HTTP-signed, as served at their ids", async () => {
    const db = instance.kindred.database.db;
    await createLocalGroup(instance, { slug: "rare", name: "Rare", description: "Support." });
    // Peer 0: two followers behind one shared inbox.  Peer 1: a follower whose
    // shared inbox is on another server (ignored: its own inbox is used).
    // Peer 2: a follower an admin blocked.
    const follow = (peer: Peer, n: number, shared: string) => seedFollower(db, "rare", peer.origin, n, shared);
    await follow(peers[0], 0, new URL("inbox", peers[0].origin).href);
    await follow(peers[0], 1, new URL("inbox", peers[0].origin).href);
    await follow(peers[1], 0, new URL("inbox", peers[0].origin).href);
    await follow(peers[2], 0, new URL("inbox", peers[2].origin).href);
    // (Every test server is 127.0.0.1, so a domain block would hit all: the
    // actor is blocked instead; tests/federation-policy.test.ts covers domains.)
    await db.updateTable("actors").set({ blocked_at: new Date() })
      .where("uri", "=", new URL("u/0", peers[2].origin).href).execute();

    const member = await createMember(instance, "ada");
    const { group: joined } = await apiOk(member, "POST", "/groups/follow", {
      handle: new URL("/@rare", instance.url).href,
    });
    const { post } = await apiOk(member, "POST", `/groups/${joined.id}/threads`, {
      title: "Diagnosis", body: "How long did yours take?",
    });
    await waitForQueues([instance]);
    expect(await queueRows(db)).toBe(0);

    const announces = (p: Peer) => p.received.filter((r) => JSON.parse(r.body).type === "Announce");
    await waitFor(() => announces(peers[0]).length >= 2 && announces(peers[1]).length >= 2, "the Announces");

    // One delivery per server and Announce: peer 0's two followers share its inbox.
    expect(announces(peers[0]).map((r) => r.path)).toEqual(["/inbox", "/inbox"]);
    expect(announces(peers[1]).map((r) => r.path)).toEqual(["/u/0/inbox", "/u/0/inbox"]);
    for (const peer of [peers[0], peers[1]]) {
      const [first, second] = announces(peer).map((r) => JSON.parse(r.body));
      // The activity first (FEP-1b12), then the object (for Mastodon).
      expect(first.object.type).toBe("Create");
      expect(first.object.object.id).toBe(post.uri);
      expect(second.object.id ?? second.object).toBe(post.uri);
      for (const announce of [first, second]) {
        expect(announce.actor).toBe(new URL("/@rare", instance.url).href);
        // HTTP signatures only: no Linked Data signature, no proof on the Announce.
        expect(announce.signature).toBeUndefined();
        expect(announce.proof).toBeUndefined();
        // What was sent is what is served at its id.
        const served = await fetch(announce.id, { headers: { Accept: "application/activity+json" } });
        expect(served.status).toBe(200);
        expect(await served.json()).toEqual(announce);
      }
    }
    // Each delivery is signed with the group's key.
    for (const r of [...announces(peers[0]), ...announces(peers[1])]) {
      const key = await verifyRequest(r.request, {
        documentLoader: async (url: string) => {
          const res = await fetch(url, { headers: { Accept: "application/activity+json" } });
          return { contextUrl: null, documentUrl: url, document: await res.json() };
        },
      });
      expect(key?.ownerId?.href).toBe(new URL("/@rare", instance.url).href);
    }
    // The blocked actor got nothing.
    expect(announces(peers[2])).toEqual([]);
  });

  it("sends Announce(object) only to servers that need it, once their NodeInfo is known", async () => {
    const db = instance.kindred.database.db;
    const pem = await publicKeyPem();
    const [lemmy, mastodon, silent] = await Promise.all([
      startRecordingPeer(pem, "lemmy"),
      startRecordingPeer(pem, "mastodon"),
      startRecordingPeer(pem),
    ]);
    try {
      await createLocalGroup(instance, { slug: "mixed", name: "Mixed", description: "Support." });
      for (const peer of [lemmy, mastodon, silent]) await seedFollower(db, "mixed", peer.origin, 0);
      const member = await createMember(instance, "cleo");
      const { group } = await apiOk(member, "POST", "/groups/follow", { handle: new URL("/@mixed", instance.url).href });
      const post = async (title: string) => {
        const { post } = await apiOk(member, "POST", `/groups/${group.id}/threads`, { title, body: "Hello." });
        await waitForQueues([instance]);
        return post.uri as string;
      };
      const announced = (peer: Peer, uri: string) => peer.received.map((r) => JSON.parse(r.body))
        .filter((a) => a.type === "Announce" && JSON.stringify(a.object).includes(uri))
        .map((a) => a.object.type);
      // Nothing known yet: every server gets both, and is looked up.
      const first = await post("First");
      await waitFor(() => [lemmy, mastodon, silent].every((p) => announced(p, first).length === 2), "both Announces");
      const hosts = [lemmy, mastodon, silent].map((p) => p.origin.host);
      const learned = () => db.selectFrom("instance_software").select(["host", "software"]).where("host", "in", hosts).execute();
      await waitFor(async () => (await learned()).length === 3, "the followers' software");
      expect(new Map((await learned()).map((r) => [r.host, r.software]))).toEqual(new Map([
        [lemmy.origin.host, "lemmy"], [mastodon.origin.host, "mastodon"], [silent.origin.host, null],
      ]));
      // Now a group-aware server gets Announce(Create) alone; the others both.
      const second = await post("Second");
      await waitFor(() => announced(mastodon, second).length === 2 && announced(silent, second).length === 2, "Announces");
      await waitForQueues([instance]);
      expect(announced(lemmy, second)).toEqual(["Create"]);
      expect(announced(mastodon, second)).toEqual(["Create", "Page"]);
    } finally {
      await Promise.all([lemmy, mastodon, silent].map((p) => p.close()));
    }
  });

  it("does not send a retried Announce of a post deleted since, nor a public one once the group is private", async () => {
    const db = instance.kindred.database.db;
    const member = await createMember(instance, "dora");
    const { group: joined } = await apiOk(member, "POST", "/groups/follow", { handle: new URL("/@rare", instance.url).href });
    const post = async (title: string) =>
      (await apiOk(member, "POST", `/groups/${joined.id}/threads`, { title, body: "Hello." })).post as { id: number; uri: string };
    const [kept, deleted, later] = [await post("Kept"), await post("Deleted"), await post("Public then private")];
    await waitForQueues([instance]);
    const group = await db.selectFrom("actors").select("group_id").where("username", "=", "rare")
      .where("local", "=", true).executeTakeFirstOrThrow();
    /** What a worker takes off the queue when the first delivery of the post's Announce(Create) failed. */
    const retry = async (p: { uri: string }) => {
      const row = await db.selectFrom("activities").select(["uri", "json"]).where("type", "=", "Announce")
        .where(sql<boolean>`json->'object'->>'type' = 'Create' and json->'object'->'object'->>'id' = ${p.uri}`)
        .executeTakeFirstOrThrow();
      const deliveries = await expandGroupFanout(db, {
        type: GROUP_FANOUT, id: `retry-${p.uri}`, baseUrl: instance.url.href, groupId: group.group_id!,
        keyId: new URL("/@rare#main-key", instance.url).href,
        activities: [{ id: row.uri, type: "https://www.w3.org/ns/activitystreams#Announce", json: row.json }],
        orderingKey: null,
      });
      const toPeer0 = deliveries.filter((d) => String(d.message.inbox).startsWith(peers[0].origin.href));
      expect(toPeer0).toHaveLength(1);
      for (const d of toPeer0) await instance.kindred.queue.enqueue({ ...d.message, attempt: 1 });
      await waitForQueues([instance]);
      return row.uri;
    };
    const got = (id: string) => peers[0].received.filter((r) => JSON.parse(r.body).id === id).length;

    const keptId = await retry(kept);
    await waitFor(() => got(keptId) === 2, "the retried Announce of a live post");

    await apiOk(member, "DELETE", `/posts/${deleted.id}`);
    await waitForQueues([instance]);
    const deletedId = await retry(deleted);
    expect(got(deletedId)).toBe(1);

    // Any other retried delivery of a post's creation (Fedify's own outbox message), e.g. a member's post to a group elsewhere.
    const key = (await loadKeyPairs(db, keyOwner.group(group.group_id!))).find((k) => k.algorithm === "RSASSA-PKCS1-v1_5")!;
    const retryCreate = async (p: { uri: string }) => {
      const id = new URL(`/activities/retry-${crypto.randomUUID()}`, instance.url).href;
      await instance.kindred.queue.enqueue({
        type: "outbox", id: crypto.randomUUID(), baseUrl: instance.url.href,
        keys: [{ keyId: new URL("/@rare#main-key", instance.url).href, privateKey: key.privateJwk }],
        activity: {
          "@context": "https://www.w3.org/ns/activitystreams", id, type: "Create", actor: new URL("/@rare", instance.url).href,
          object: { id: p.uri, type: "Page", name: "x" },
        },
        activityId: id, activityType: "https://www.w3.org/ns/activitystreams#Create",
        inbox: new URL("inbox", peers[0].origin).href, sharedInbox: true, actorIds: [], started: new Date().toISOString(),
        attempt: 1, headers: {}, traceContext: {},
      });
      await waitForQueues([instance]);
      return id;
    };
    const liveCreate = await retryCreate(kept);
    await waitFor(() => got(liveCreate) === 1, "the retried Create of a live post");
    expect(got(await retryCreate(deleted))).toBe(0);
    // Something we do not keep as a post (a vote on a remote poll is a Create(Note) too) still goes.
    const vote = await retryCreate({ uri: `${kept.uri}#vote-1` });
    await waitFor(() => got(vote) === 1, "the retried Create of a poll vote");

    // Peer 0 becomes a partner, so that a private group may still send to it; an Announce addressed to the public may not.
    // (null: as the CLI, which acts with the instance's authority.)
    await setDomainRule(db, null, peers[0].origin.host, "partner");
    await changeGroup(db, "rare", { visibility: "private" });
    try {
      const laterId = await retry(later);
      expect(got(laterId)).toBe(1);
      // What is addressed to the group's members only still goes.
      const inbox = new URL("inbox", peers[0].origin).href;
      expect(await staleDelivery(db, group.group_id!, inbox, { type: "Announce", to: ["https://x.example/followers"], object: "y" }))
        .toBeUndefined();
    } finally {
      await changeGroup(db, "rare", { visibility: "public" });
      await removeDomain(db, null, peers[0].origin.host);
    }
  });

  it("queues deliveries that name the activity and key instead of carrying them", async () => {
    const db = instance.kindred.database.db;
    const group = await db.selectFrom("actors").select("group_id").where("username", "=", "rare")
      .where("local", "=", true).executeTakeFirstOrThrow();
    const activity = { id: "https://x.example/a", type: "https://www.w3.org/ns/activitystreams#Announce", json: { big: "x".repeat(5000) } };
    const deliveries = await expandGroupFanout(db, {
      type: GROUP_FANOUT,
      id: "test",
      baseUrl: instance.url.href,
      groupId: group.group_id!,
      keyId: new URL("/@rare#main-key", instance.url).href,
      activities: [activity],
      orderingKey: "post",
    });
    expect(deliveries.map((d) => d.message.inbox).sort()).toEqual(
      [new URL("inbox", peers[0].origin).href, new URL("u/0/inbox", peers[1].origin).href].sort(),
    );
    for (const { message, orderingKey } of deliveries) {
      expect(message.activity).toBeNull();
      expect(message.keys).toEqual([]);
      expect(JSON.stringify(message)).not.toContain("xxxx");
      expect(JSON.stringify(message).length).toBeLessThan(1000);
      expect(orderingKey).toBe(`post\n${new URL(String(message.inbox)).origin}`);
    }
  });
});
