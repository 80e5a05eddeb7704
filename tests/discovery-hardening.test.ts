/**
 * The security review of cross-instance discovery (issue 9, item 1): every
 * fetch of a peer is bounded (NodeInfo included), the keys that sign a
 * /directory.json request are fetched only from their own origin, under
 * the policy and a timeout; peers are servers we chose, not servers that
 * follow us; the policy applies when entries are shown, and a refresh that
 * lost its lease or its peer writes nothing; peers' texts are made safe.
 * Real instances and real HTTP peers (node:http) that misbehave on purpose.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDomain, setDomainRule } from "../src/federation-policy.ts";
import { assertPublicHost, fetchDirectoryJson, isPrivateAddress } from "../federation/directory-fetch.ts";
import { cleanError, cleanText } from "../federation/directory-text.ts";
import {
  checkEntry,
  directoryPeers,
  MAX_PEERS,
  MAX_REPORTED_MEMBERS,
  parentDomain,
  PEERS_PER_PARENT_DOMAIN,
  refreshDirectory,
} from "../federation/group-directory.ts";
import { apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance;
let b: TestInstance;
let bea: Member; // on B, a member of A's group
let fake: Server;
let fakeHost: string;
let fakeHits: string[] = [];
/** What the misbehaving peer does with a request; null: the ordinary answers below. */
let handler: ((req: IncomingMessage, res: ServerResponse) => boolean) | null = null;
let groups: () => unknown[] = () => [];
let directoryDelayMs = 0;

const ctxOf = (i: TestInstance) => i.kindred.federation.createContext(i.url, i.kindred.contextData);
const own = (path: string) => `http://${fakeHost}${path}`;

function json(res: ServerResponse, value: unknown, code = 200): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

async function fakeEntries(): Promise<{ name: string; member_count: number; condition_tags: { label: string }[] }[]> {
  return await b.kindred.database.db.selectFrom("directory_entries").select(["name", "member_count", "condition_tags"])
    .where("peer_host", "=", fakeHost).orderBy("name").execute();
}

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  await createMember(a, "alice");
  bea = await createMember(b, "bea");
  await createLocalGroup(a, { slug: "lupus", name: "Lupus circle", owner: "alice", conditionTags: "ORPHA:536 Lupus" });
  // B's member joins A's group: A is B's peer by her choice; B is not A's.
  await apiOk(bea, "POST", "/groups/follow", { handle: new URL("/@lupus", a.url).href });
  await waitForQueues([a, b]);

  fake = createServer((req, res) => {
    fakeHits.push(req.url ?? "");
    if (handler?.(req, res)) return;
    if (req.url === "/.well-known/nodeinfo") {
      return json(res, { links: [{ rel: "http://nodeinfo.diaspora.software/ns/schema/2.1", href: own("/nodeinfo/2.1") }] });
    }
    if (req.url === "/nodeinfo/2.1") return json(res, { version: "2.1", metadata: { groupDirectory: own("/directory.json") } });
    if (req.url === "/directory.json") {
      setTimeout(() => json(res, { groups: groups(), next: null }), directoryDelayMs);
      return;
    }
    json(res, { error: "not found" }, 404);
  });
  await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
  fakeHost = `127.0.0.1:${(fake.address() as AddressInfo).port}`;
  await setDomainRule(b.kindred.database.db, null, fakeHost, "allow");
}, 60_000);

afterAll(async () => {
  if (fake) {
    fake.closeAllConnections();
    await new Promise((r) => fake.close(r));
  }
  await Promise.all([a?.stop(), b?.stop()]);
});

describe("a peer's NodeInfo is fetched with a timeout, a size cap and no redirects", () => {
  it("a /.well-known/nodeinfo that never answers: the refresh ends in bounded time and the peer is marked failed", async () => {
    handler = (req) => req.url === "/.well-known/nodeinfo"; // taken, never answered
    try {
      const started = Date.now();
      const report = await refreshDirectory(ctxOf(b), "test", fakeHost);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(report.peers).toEqual([{ host: fakeHost, ok: false, error: expect.stringContaining("no complete answer in time") }]);
      const peer = await b.kindred.database.db.selectFrom("directory_peers").selectAll().where("host", "=", fakeHost)
        .executeTakeFirstOrThrow();
      expect(peer.last_error).toContain("no complete answer in time");
    } finally {
      handler = null;
    }
  }, 30_000);

  it("a NodeInfo document that is huge, or whose body never ends, fails the peer", async () => {
    handler = (req, res) => {
      if (req.url !== "/nodeinfo/2.1") return false;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(`{"metadata":{"x":"${"y".repeat(3 * 1024 * 1024)}"}}`);
      return true;
    };
    try {
      const huge = await refreshDirectory(ctxOf(b), "test", fakeHost);
      expect(huge.peers[0]).toMatchObject({ ok: false, error: "/nodeinfo/2.1 too large" });
      handler = (req, res) => {
        if (req.url !== "/nodeinfo/2.1") return false;
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"metadata":'); // and nothing more, ever
        return true;
      };
      const started = Date.now();
      const endless = await refreshDirectory(ctxOf(b), "test", fakeHost);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(endless.peers[0]).toMatchObject({ ok: false, error: expect.stringContaining("no complete answer in time") });
    } finally {
      handler = null;
    }
  }, 40_000);

  it("a redirect of NodeInfo is not followed", async () => {
    handler = (req, res) => {
      if (req.url !== "/.well-known/nodeinfo") return false;
      res.writeHead(302, { location: new URL("/.well-known/nodeinfo", a.url).href });
      res.end();
      return true;
    };
    try {
      const report = await refreshDirectory(ctxOf(b), "test", fakeHost);
      expect(report.peers[0]).toMatchObject({ ok: false, error: "HTTP 302" });
    } finally {
      handler = null;
    }
  });
});

describe("the keys that sign a /directory.json request", () => {
  const signedWithKey = (instance: TestInstance, keyId: string) =>
    fetch(new URL("/directory.json", instance.url), {
      headers: {
        Accept: "application/json",
        Date: new Date().toUTCString(),
        Signature: `keyId="${keyId}",algorithm="rsa-sha256",headers="(request-target) host date",signature="AAAA"`,
      },
    });

  it("a key id on a server that never answers: 401 within the fetch timeout", async () => {
    handler = (req) => req.url?.startsWith("/actor") ?? false; // never answered
    fakeHits = [];
    try {
      const started = Date.now();
      const res = await signedWithKey(a, own("/actor#main-key"));
      expect(res.status).toBe(401);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(fakeHits).toContain("/actor");
    } finally {
      handler = null;
    }
  }, 30_000);

  it("a key whose owner is on another origin does not vouch for its server: 401", async () => {
    const { publicKey, privateKey } = await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    );
    const spki = Buffer.from(await crypto.subtle.exportKey("spki", publicKey)).toString("base64");
    const pem = `-----BEGIN PUBLIC KEY-----\n${spki.match(/.{1,64}/g)!.join("\n")}\n-----END PUBLIC KEY-----\n`;
    const keyDocument = (path: string, owner: string) => ({
      "@context": "https://w3id.org/security/v1",
      id: own(`${path}#main`),
      type: "CryptographicKey",
      owner,
      publicKeyPem: pem,
    });
    handler = (req, res) => {
      if (req.url !== "/key" && req.url !== "/own-key") return false;
      res.writeHead(200, { "content-type": "application/activity+json" });
      // /key: owned by another server's actor; /own-key: by an actor on its own origin.
      res.end(JSON.stringify(keyDocument(req.url, req.url === "/key" ? new URL("/@_instance", a.url).href : own("/actor"))));
      return true;
    };
    const { signRequest } = await import("@fedify/fedify");
    const fetchSigned = async (path: string) =>
      await fetch(
        await signRequest(
          new Request(new URL("/directory.json", a.url), { headers: { Accept: "application/json" } }),
          privateKey,
          new URL(own(`${path}#main`)),
        ),
      );
    try {
      const elsewhere = await fetchSigned("/key");
      expect(elsewhere.status).toBe(401);
      expect((await elsewhere.json()).error).toContain("not its server's own");
      // The same key, owned on its own origin: served (the signature itself is good).
      const mine = await fetchSigned("/own-key");
      expect(mine.status).toBe(200);
    } finally {
      handler = null;
    }
  });

  it("a key id on a blocked server: 403 without any fetch", async () => {
    const adb = a.kindred.database.db;
    await setDomainRule(adb, null, fakeHost, "block");
    fakeHits = [];
    try {
      const res = await signedWithKey(a, own("/actor#main-key"));
      expect(res.status).toBe(403);
      expect(fakeHits).toEqual([]);
    } finally {
      await removeDomain(adb, null, fakeHost);
    }
  });
});

describe("peers are servers we chose", () => {
  it("a server whose member follows our group is not a peer; the server our member follows a group on is", async () => {
    const ofA = await directoryPeers(ctxOf(a));
    expect([...ofA.keys()]).not.toContain(b.host);
    const ofB = await directoryPeers(ctxOf(b));
    expect([...ofB.keys()]).toContain(a.host);
  });
});

describe("at most MAX_PEERS peers a refresh", () => {
  it("rule domains beyond the cap are not read", async () => {
    const bdb = b.kindred.database.db;
    const domains = Array.from({ length: MAX_PEERS + 5 }, (_, i) => `peer${String(i).padStart(3, "0")}.example`);
    for (const domain of domains) await setDomainRule(bdb, null, domain, "allow");
    try {
      const peers = await directoryPeers(ctxOf(b));
      expect(peers.size).toBe(MAX_PEERS);
      // Rule domains come first (in order), then servers our members follow groups on.
      expect([...peers.keys()].slice(0, 3)).toEqual([fakeHost, "peer000.example", "peer001.example"].sort());
      expect([...peers.keys()]).not.toContain(a.host);
    } finally {
      for (const domain of domains) await removeDomain(bdb, null, domain);
    }
    expect([...(await directoryPeers(ctxOf(b))).keys()].sort()).toEqual([a.host, fakeHost].sort());
  });
});

describe("servers our members follow", () => {
  it("count most-followed first, and at most five under one parent domain", async () => {
    expect(parentDomain("a.b.evil.example")).toBe("evil.example");
    expect(parentDomain("127.0.0.1")).toBe("127.0.0.1");
    const bdb = b.kindred.database.db;
    const locals = await bdb.selectFrom("actors").select("id").where("local", "=", true).where("account_id", "is not", null)
      .orderBy("id").execute();
    // Eight throwaway subdomains, each followed by one member; one real server followed by every local member.
    const hosts = [...Array.from({ length: 8 }, (_, i) => `s${i}.throwaway.example`), "real.example"];
    const groups = [];
    for (const host of hosts) {
      groups.push((await bdb.insertInto("actors").values({
        uri: `https://${host}/c/g`, type: "Group", local: false, username: "g", host, inbox_url: `https://${host}/inbox`,
      }).returning("id").executeTakeFirstOrThrow()).id);
    }
    try {
      for (const [i, group] of groups.entries()) {
        const followers = hosts[i] === "real.example" ? locals : locals.slice(0, 1);
        for (const f of followers) {
          await bdb.insertInto("follows").values({ follower_id: f.id, followee_id: group, state: "accepted" }).execute();
        }
      }
      const peers = [...(await directoryPeers(ctxOf(b))).keys()];
      expect(peers.filter((h) => h.endsWith(".throwaway.example"))).toHaveLength(PEERS_PER_PARENT_DOMAIN);
      expect(peers).toContain("real.example");
      const followed = peers.filter((h) => h.endsWith(".example") && !h.startsWith("peer"));
      expect(followed[0]).toBe("real.example");
    } finally {
      await bdb.deleteFrom("follows").where("followee_id", "in", groups).execute();
      await bdb.deleteFrom("actors").where("id", "in", groups).execute();
    }
  });
});

describe("our policy applies when entries are shown", () => {
  it("a peer blocked since its last refresh, or a group we blocked, is gone from /groups and the API at once", async () => {
    groups = () => [{ id: own("/@asthma"), name: "Asthma friends", memberCount: 500_000_000, conditionTags: [{ code: "ORPHA:536" }] }];
    const report = await refreshDirectory(ctxOf(b), "test");
    expect(report.peers.filter((p) => p.ok).map((p) => p.host).sort()).toEqual([a.host, fakeHost].sort());
    const web = new WebClient(b);
    const page = text((await web.get("/groups?tag=ORPHA%3A536")).html);
    expect(page).toContain("Asthma friends");
    // A server's self-reported count is capped, and said to be its server's.
    expect(page).toMatch(/Asthma friends.*1000000 members.*\(as its server reports\)/);
    const listed = await apiOk(bea, "GET", "/directory?tag=ORPHA:536");
    const asthma = listed.otherInstances.find((g: { name: string }) => g.name === "Asthma friends");
    expect(asthma).toMatchObject({ members: MAX_REPORTED_MEMBERS, countsReportedBy: fakeHost });
    expect(page).toContain("Lupus circle");

    const bdb = b.kindred.database.db;
    await setDomainRule(bdb, null, fakeHost, "block");
    try {
      expect(text((await web.get("/groups?tag=ORPHA%3A536")).html)).not.toContain("Asthma friends");
      const api = await apiOk(bea, "GET", "/directory?tag=ORPHA:536");
      expect(api.otherInstances.map((g: { name: string }) => g.name)).toEqual(["Lupus circle"]);
    } finally {
      await setDomainRule(bdb, null, fakeHost, "allow");
    }

    // A's group, blocked (or deleted) here: not offered, whatever A's directory says.
    const lupus = new URL("/@lupus", a.url).href;
    await sql`update actors set blocked_at = now() where uri = ${lupus}`.execute(bdb);
    try {
      expect(text((await web.get("/groups?tag=ORPHA%3A536")).html)).not.toContain("Lupus circle");
    } finally {
      await sql`update actors set blocked_at = null where uri = ${lupus}`.execute(bdb);
    }
    await sql`update actors set deleted_at = now() where uri = ${lupus}`.execute(bdb);
    try {
      expect((await apiOk(bea, "GET", "/directory?tag=ORPHA:536")).otherInstances.map((g: { name: string }) => g.name))
        .not.toContain("Lupus circle");
    } finally {
      await sql`update actors set deleted_at = null where uri = ${lupus}`.execute(bdb);
    }
  });
});

describe("a refresh writes nothing once it lost its lease or its peer", () => {
  it("the lease taken over during the fetch: the run stops, the peer's entries are not written", async () => {
    const db = b.kindred.database.db;
    await sql`delete from directory_entries where peer_host = ${fakeHost}`.execute(db);
    await sql`delete from directory_peers where host = ${fakeHost}`.execute(db);
    groups = () => [{ id: own("/@late"), name: "Late group" }];
    directoryDelayMs = 1500;
    try {
      const running = refreshDirectory(ctxOf(b), "slow-worker", fakeHost);
      await new Promise((r) => setTimeout(r, 500));
      await sql`update directory_lease set holder = 'other-worker', until = now() + interval '1 minute'`.execute(db);
      const report = await running;
      expect(report.skipped).toBe(true);
      expect(await fakeEntries()).toEqual([]);
    } finally {
      directoryDelayMs = 0;
      await sql`update directory_lease set holder = null, until = null`.execute(db);
    }
  });

  it("the peer blocked during the fetch: nothing of it is written", async () => {
    const db = b.kindred.database.db;
    groups = () => [{ id: own("/@blocked-late"), name: "Blocked late group" }];
    directoryDelayMs = 1500;
    try {
      const running = refreshDirectory(ctxOf(b), "test", fakeHost);
      await new Promise((r) => setTimeout(r, 500));
      await setDomainRule(db, null, fakeHost, "block");
      const report = await running;
      expect(report.peers[0]).toMatchObject({ ok: false, error: "excluded by the federation policy" });
      expect(await fakeEntries()).toEqual([]);
    } finally {
      directoryDelayMs = 0;
      await setDomainRule(db, null, fakeHost, "allow");
    }
  });
});

describe("texts from peers", () => {
  it("a lone surrogate in a label does not fail an honest peer's refresh: it becomes U+FFFD", async () => {
    groups = () => [{ id: own("/@odd"), name: "Odd \ud800 name", conditionTags: [{ code: "ORPHA:536", label: "Lu\udc00pus" }] }];
    const report = await refreshDirectory(ctxOf(b), "test", fakeHost);
    expect(report.peers[0]).toMatchObject({ ok: true, entries: 1 });
    const [row] = await fakeEntries();
    expect(row.name).toBe("Odd \ufffd name");
    expect(row.condition_tags[0].label).toBe("Lu\ufffdpus");
  });

  it("cuts on code points, strips controls and bidi overrides, checks a handle's user part", () => {
    expect(cleanText("😀😀😀", 2)).toBe("😀…");
    expect(cleanText("ab\ud83d", 5)).toBe("ab\ufffd");
    expect(cleanText("Lupus\u202e sdneirf\u202c\u2066x\u2069\u200f", 100)).toBe("Lupus sdneirfx");
    expect(cleanText(" a\u0000b\u0085c\n d ", 100)).toBe("abc d");
    const server = new URL("https://peer.example");
    const entry = (handle: string) => checkEntry({ id: "https://peer.example/@g", name: "G", handle }, server)!.handle;
    expect(entry("@lupus.friends_1@peer.example")).toBe("@lupus.friends_1@peer.example");
    expect(entry("@lu\u202epus@peer.example")).toBe("https://peer.example/@g");
    expect(entry("@lu<b>pus@peer.example")).toBe("https://peer.example/@g");
    expect(checkEntry({ id: "https://peer.example/@g", name: "G", memberCount: 999_999_999 }, server)!.member_count)
      .toBe(MAX_REPORTED_MEMBERS);
    expect(cleanError("fetch failed\n\u001b[31mred\u0000")).toBe("fetch failed [31mred");
  });

  it("private addresses are refused unless ALLOW_PRIVATE_ADDRESS", async () => {
    for (
      const address of [
        "127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fd00::1", "::ffff:127.0.0.1",
        "::7f00:1", "2002:7f00:1::1", "2001:0:4136:e378::1", "64:ff9b:1::a00:1", "fec0::1",
      ]
    ) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    expect(isPrivateAddress("93.184.216.34")).toBe(false);
    expect(isPrivateAddress("2606:4700::1111")).toBe(false);
    await expect(assertPublicHost(new URL("http://127.0.0.1:8080/"))).rejects.toThrow("private address");
    await expect(assertPublicHost(new URL("http://[::1]/"))).rejects.toThrow("private address");
    await expect(assertPublicHost(new URL("http://localhost/"))).rejects.toThrow("private address");
    await expect(assertPublicHost(new URL("http://93.184.216.34/"))).resolves.toBeUndefined();
    // Without ALLOW_PRIVATE_ADDRESS, a peer on a private address is not even asked.
    const strict = b.kindred.federation.createContext(b.url, { ...b.kindred.contextData, allowPrivateAddress: false });
    fakeHits = [];
    await expect(fetchDirectoryJson(strict, new URL(own("/nodeinfo/2.1")), { signed: false, signal: AbortSignal.timeout(5000) }))
      .rejects.toThrow("private address");
    expect(fakeHits).toEqual([]);
    const allowed = await fetchDirectoryJson(ctxOf(b), new URL(own("/nodeinfo/2.1")), { signed: false, signal: AbortSignal.timeout(5000) });
    expect(allowed.version).toBe("2.1");
  });
});
