/**
 * Attack corpus: server-side request forgery and hostile remote documents.
 *
 * 1. An instance WITHOUT `ALLOW_PRIVATE_ADDRESS` (as in production) is made
 *    to fetch loopback, private, link-local, special-use and mapped
 *    addresses, and non-HTTP schemes: through "follow a remote group by
 *    URL" in the API and through a signed inbox delivery whose keyId (so
 *    actor and key) points there.  No request may leave 127.0.0.1: before
 *    each case the test checks that Fedify's address check refuses the URL
 *    (so a case that would connect anywhere fails without sending), and a
 *    listener on 127.0.0.1 counts connections to prove the loopback forms
 *    never connect.
 * 2. An instance that allows private addresses (so that it may talk to stub
 *    servers on 127.0.0.1) meets hostile servers: redirect loops, endless
 *    redirects, wrong content types, a huge document, a never-ending and a
 *    slow response.  Each is refused, nothing is stored, the server answers.
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { validatePublicUrl } from "@fedify/vocab-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REMOTE_FETCH_TIMEOUT_MS } from "../../federation/remote-actors.ts";
import { api, createLocalGroup, createMember, type Member, waitForQueues } from "../helpers/federation.ts";
import { startInstance, type TestInstance } from "../helpers/instance.ts";
import { cavageRequest, rsaKeyPair } from "../helpers/signing.ts";

let strict: TestInstance;
let kim: Member;
let connections = 0;
// Started at load time: the cases below are named with its port.
const trap: Server = createServer((socket) => {
  connections++;
  socket.destroy();
});
await new Promise<void>((r) => trap.listen(0, "127.0.0.1", r));
const port = (trap.address() as { port: number }).port;

beforeAll(async () => {
  strict = await startInstance({ ALLOW_PRIVATE_ADDRESS: "false", LOG_LEVEL: "fatal" });
  kim = await createMember(strict, "kim");
  await createLocalGroup(strict, { slug: "main", name: "Main", description: "Target." });
}, 120_000);
afterAll(async () => {
  await strict?.stop();
  await new Promise((r) => trap?.close(r));
});

/** What a fetch could have changed: remote actors, follows, posts, votes. */
async function state(instance: TestInstance) {
  const db = instance.kindred.database.db;
  return {
    actors: await db.selectFrom("actors").select(["uri"]).orderBy("id").execute(),
    follows: await db.selectFrom("follows").select(["follower_id", "followee_id", "state"]).orderBy("follower_id").execute(),
    posts: await db.selectFrom("posts").select(["uri", "like_count"]).orderBy("id").execute(),
  };
}

async function alive(instance: TestInstance) {
  expect((await fetch(new URL("/healthz", instance.url))).status).toBe(200);
}

/** Loopback in every spelling, on the counting listener's port. */
const loopback = () => [
  `http://127.0.0.1:${port}/c/main`,
  `http://localhost:${port}/c/main`,
  `http://LOCALHOST:${port}/c/main`,
  `http://127.1:${port}/c/main`,
  `http://127.0.1:${port}/c/main`,
  `http://2130706433:${port}/c/main`,
  `http://0x7f000001:${port}/c/main`,
  `http://0x7f.0.0.1:${port}/c/main`,
  `http://0177.0.0.1:${port}/c/main`,
  `http://017700000001:${port}/c/main`,
  `http://127.000.000.001:${port}/c/main`,
  `http://0.0.0.0:${port}/c/main`,
  `http://0:${port}/c/main`,
  `http://[::1]:${port}/c/main`,
  `http://[0:0:0:0:0:0:0:1]:${port}/c/main`,
  `http://[::ffff:127.0.0.1]:${port}/c/main`,
  `http://[::ffff:7f00:1]:${port}/c/main`,
  `http://[::]:${port}/c/main`,
  `https://127.0.0.1:${port}/c/main`,
  `http://user:pass@127.0.0.1:${port}/c/main`,
];
/** Other private, link-local and special-use addresses (checked refused before anything is sent). */
const PRIVATE = [
  "http://10.0.0.1/c/main", "http://10.255.255.254/c/main", "http://172.16.0.1/c/main", "http://172.31.255.1/c/main",
  "http://192.168.0.1/c/main", "http://192.168.1.1:8080/c/main", "http://169.254.169.254/latest/meta-data/",
  "http://169.254.0.1/c/main", "http://100.64.0.1/c/main", "http://192.0.0.1/c/main", "http://192.0.2.1/c/main",
  "http://198.18.0.1/c/main", "http://198.51.100.1/c/main", "http://203.0.113.1/c/main", "http://224.0.0.1/c/main",
  "http://240.0.0.1/c/main", "http://255.255.255.255/c/main", "http://[fc00::1]/c/main", "http://[fd12:3456::1]/c/main",
  "http://[fe80::1]/c/main", "http://[::ffff:10.0.0.1]/c/main", "http://[::ffff:169.254.169.254]/latest/",
  "http://[::ffff:192.168.0.1]/c/main", "http://[ff02::1]/c/main",
  "http://0xa9fea9fe/latest/meta-data/", "http://2852039166/latest/meta-data/",
];
const SCHEMES = [
  "data:application/activity+json,{\"id\":\"x\",\"type\":\"Group\"}", "file:///etc/passwd", "ftp://127.0.0.1/c/main",
  "javascript:alert(1)", "gopher://127.0.0.1:6379/_INFO", "ws://127.0.0.1/c/main", "blob:http://127.0.0.1/x",
];

/** Fails (without sending anything) unless Fedify's address check refuses `url`. */
async function refusedByAddressCheck(url: string) {
  await expect(validatePublicUrl(url), url).rejects.toThrow();
}

describe("SSRF through 'follow a remote group' (no private addresses): refused before connecting", () => {
  it.each([...loopback().map((u) => [u]), ...PRIVATE.map((u) => [u]), ...SCHEMES.map((u) => [u])])("%s", async (url) => {
    if (!url.includes(`:${port}`)) await refusedByAddressCheck(url).catch(() => {
      if (/^https?:/.test(url)) throw new Error(`not refused by the address check: ${url}`);
    });
    const was = await state(strict);
    const before = connections;
    const { status } = await api(kim, "POST", "/groups/follow", { handle: url });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    await waitForQueues([strict]);
    expect(connections - before, "connections to 127.0.0.1").toBe(0);
    expect(await state(strict)).toEqual(was);
    await alive(strict);
  });

  it("handles on private hosts too (WebFinger is never asked)", async () => {
    for (const handle of [`main@127.0.0.1:${port}`, `@main@localhost:${port}`, "main@169.254.169.254", "main@[::1]"]) {
      const before = connections;
      const { status } = await api(kim, "POST", "/groups/follow", { handle });
      expect(status, handle).toBeGreaterThanOrEqual(400);
      expect(status, handle).toBeLessThan(500);
      expect(connections - before, handle).toBe(0);
    }
    await alive(strict);
  });
});

describe("SSRF through a signed delivery whose keyId points at private addresses: 401, no connection", () => {
  let key: CryptoKey;
  beforeAll(async () => {
    key = (await rsaKeyPair()).privateKey;
  });
  it.each([...loopback(), ...PRIVATE].filter((u) => /^https?:/.test(u)).map((u) => [u]))("%s", async (base) => {
    if (!base.includes(`:${port}`)) await refusedByAddressCheck(base);
    const actor = base.replace(/\/c\/main$|\/latest.*$/, "/u/alpha");
    const inbox = new URL("/@main/inbox", strict.url).href;
    const body = JSON.stringify({
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${actor}#like-${Math.random()}`, type: "Like", actor, object: `${actor}/post/1`, inReplyTo: `${base}/reply`,
    });
    const was = await state(strict);
    const before = connections;
    const res = await fetch(await cavageRequest({ url: inbox, body, privateKey: key, keyId: `${actor}#main-key` }));
    await res.text();
    expect(res.status).toBe(401);
    await waitForQueues([strict]);
    expect(connections - before, "connections to 127.0.0.1").toBe(0);
    expect(await state(strict)).toEqual(was);
    await alive(strict);
  });
});

describe("hostile remote servers (an instance that may reach 127.0.0.1 stubs)", () => {
  let open: TestInstance;
  let member: Member;
  let stub: HttpServer;
  let base = "";
  let hits = 0;
  const sockets = new Set<import("node:net").Socket>();

  beforeAll(async () => {
    stub = createHttpServer((req, res) => {
      hits++;
      const path = req.url ?? "/";
      const json = { "Content-Type": "application/activity+json" };
      if (path === "/loop-a") return res.writeHead(302, { Location: `${base}/loop-b` }).end();
      if (path === "/loop-b") return res.writeHead(302, { Location: `${base}/loop-a` }).end();
      const m = /^\/chain-(\d+)$/.exec(path);
      if (m) return res.writeHead(302, { Location: `${base}/chain-${Number(m[1]) + 1}` }).end();
      if (path === "/to-file") return res.writeHead(302, { Location: "file:///etc/passwd" }).end();
      if (path === "/to-data") {
        return res.writeHead(302, { Location: 'data:application/activity+json,{"type":"Group","id":"x"}' }).end();
      }
      if (path === "/html") return res.writeHead(200, { "Content-Type": "text/html" }).end("<html><body>hello</body></html>");
      if (path === "/png") return res.writeHead(200, { "Content-Type": "image/png" }).end(Buffer.alloc(64));
      if (path === "/text") return res.writeHead(200, { "Content-Type": "text/plain" }).end("not json");
      if (path === "/not-json") return res.writeHead(200, json).end("{ this is not json");
      if (path === "/array") return res.writeHead(200, json).end("[1,2,3]");
      if (path === "/other-id") {
        return res.writeHead(200, json).end(JSON.stringify({
          "@context": "https://www.w3.org/ns/activitystreams", id: "https://elsewhere.example/c/main", type: "Group",
          preferredUsername: "main", inbox: "https://elsewhere.example/inbox",
        }));
      }
      if (path === "/huge") {
        // 8 MB of JSON: one string; parsed, it is still not a group.
        res.writeHead(200, json);
        return res.end(`{"type":"Group","name":"${"x".repeat(8 * 1024 * 1024)}"}`);
      }
      if (path === "/endless") {
        // Headers, then a trickle of bytes that never ends.
        res.writeHead(200, json);
        res.write('{"type":"Group","name":"');
        const timer = setInterval(() => res.write("x".repeat(1024)), 20);
        res.on("close", () => clearInterval(timer));
        return;
      }
      if (path === "/slow") {
        // Never answers at all.
        return;
      }
      res.writeHead(404).end();
    });
    stub.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((r) => stub.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(stub.address() as { port: number }).port}`;
    open = await startInstance({ LOG_LEVEL: "fatal" });
    member = await createMember(open, "kim");
  }, 120_000);
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => stub?.close(r));
    await open?.stop();
  });

  const quick: [string, string][] = [
    ["a redirect loop", "/loop-a"],
    ["a chain of redirects that never ends", "/chain-0"],
    ["a redirect to file:", "/to-file"],
    ["a redirect to data:", "/to-data"],
    ["an HTML page", "/html"],
    ["an image", "/png"],
    ["plain text", "/text"],
    ["broken JSON", "/not-json"],
    ["a JSON array", "/array"],
    ["a group whose id is on another host", "/other-id"],
    ["a 404", "/nothing-here"],
    ["8 MB of JSON", "/huge"],
  ];
  it.each(quick)("%s: refused, nothing stored, still answering", async (_name, path) => {
    const was = await state(open);
    const before = hits;
    const { status } = await api(member, "POST", "/groups/follow", { handle: `${base}${path}` });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(hits - before, "the stub was asked").toBeGreaterThan(0);
    // Redirects are followed a bounded number of times.
    expect(hits - before).toBeLessThan(50);
    await waitForQueues([open]);
    expect(await state(open)).toEqual(was);
    await alive(open);
  });

  it(`a never-ending and a silent server are given up after ${REMOTE_FETCH_TIMEOUT_MS / 1000} s, and the server answers meanwhile`, async () => {
    const was = await state(open);
    const started = Date.now();
    const pending = ["/endless", "/slow"].map((path) =>
      api(member, "POST", "/groups/follow", { handle: `${base}${path}` }).then((r) => [r.status, Date.now() - started])
    );
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    await alive(open);
    expect(Date.now() - t0, "healthz while two fetches hang").toBeLessThan(2_000);
    for (const [status, took] of await Promise.all(pending)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      expect(took).toBeLessThan(REMOTE_FETCH_TIMEOUT_MS + 5_000);
    }
    expect(await state(open)).toEqual(was);
  }, 40_000);
});
