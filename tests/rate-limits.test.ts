/**
 * Rate limits (issue 7, item 3) over real HTTP: each limit is exceeded, the
 * refusal is 429 with Retry-After and stores nothing, and once the window
 * has passed the same request works again.  Short windows come from the
 * instance's configuration (no fake clock); `TRUST_PROXY` lets the tests
 * speak from several addresses through `X-Forwarded-For`.
 */
import { generateCryptoKeyPair } from "@fedify/fedify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadRateLimits } from "../src/config.ts";
import { addressBlock } from "../src/rate-limits.ts";
import { apiOk, createLocalGroup, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { WebClient } from "./helpers/web.ts";
import { startHarnessedInstance } from "./conformance/harness.ts";
import { LEMMY_CONTEXT } from "./conformance/load.ts";

const WINDOW = 5;
let instance: TestInstance;
let groupId: number;

beforeAll(async () => {
  instance = await startInstance({
    LOG_LEVEL: "error",
    TRUST_PROXY: "true",
    RATE_LIMIT_LOGIN_PER_ACCOUNT: `3/${WINDOW}`,
    RATE_LIMIT_LOGIN_PER_IP: `4/${WINDOW}`,
    RATE_LIMIT_SIGNUP_PER_IP: `2/${WINDOW}`,
    RATE_LIMIT_POSTS_PER_ACCOUNT: `2/${WINDOW}`,
    RATE_LIMIT_POSTS_PER_IP: `3/${WINDOW}`,
  });
  await createLocalGroup(instance, { slug: "limits", name: "Limits", description: "Rate limit tests." });
  const someone = await createMember(instance, "quinn");
  groupId = (await apiOk(someone, "POST", "/groups/follow", { handle: "limits" })).group.id;
}, 60_000);
afterAll(() => instance?.stop());

const db = () => instance.kindred.database.db;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let ipCounter = 0;
/** A fresh client address for each use, so that tests do not share per-address counters. */
const freshIp = () => `198.51.100.${++ipCounter}`;

async function waitOut(res: { headers: Headers }) {
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW);
  await sleep(retryAfter * 1000 + 300);
}

function apiLogin(username: string, password: string, ip = freshIp()) {
  return fetch(new URL("/api/v1/sessions", instance.url), {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-For": ip },
    body: JSON.stringify({ username, password }),
  });
}

async function apiFrom(member: Member, ip: string, method: string, path: string, body?: unknown) {
  const res = await fetch(new URL(`/api/v1${path}`, instance.url), {
    method,
    headers: { Authorization: `Bearer ${member.token}`, "Content-Type": "application/json", "X-Forwarded-For": ip },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, json: await res.json() };
}

async function tokensOf(username: string): Promise<number> {
  const row = await db().selectFrom("api_tokens").innerJoin("accounts", "accounts.id", "api_tokens.account_id")
    .select((eb) => eb.fn.countAll<number>().as("n")).where("accounts.username", "=", username).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function sessionsOf(username: string): Promise<number> {
  const row = await db().selectFrom("sessions").innerJoin("accounts", "accounts.id", "sessions.account_id")
    .select((eb) => eb.fn.countAll<number>().as("n")).where("accounts.username", "=", username).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function postsBy(username: string): Promise<number> {
  const row = await db().selectFrom("posts").innerJoin("actors", "actors.id", "posts.author_id")
    .select((eb) => eb.fn.countAll<number>().as("n")).where("actors.username", "=", username)
    .where("actors.local", "=", true).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function healthy(url: URL) {
  expect((await fetch(new URL("/healthz", url))).status).toBe(200);
}

describe("log-in", () => {
  it("refuses a username after 3 failures, from any address, even with the right password, until the window ends", async () => {
    const lena = await createMember(instance, "lena");
    const password = "lena has a long password";
    const tokens = await tokensOf("lena");
    for (let i = 0; i < 3; i++) expect((await apiLogin("lena", `wrong guess ${i}`)).status).toBe(401);
    const refused = await apiLogin("Lena", password);
    expect(refused.status).toBe(429);
    const json = await refused.json();
    expect(json.error).toMatch(/too many requests: please wait \d+ seconds?/);
    expect(json.retryAfter).toBe(Number(refused.headers.get("retry-after")));
    expect(await tokensOf("lena")).toBe(tokens);

    // The web form is refused too (a page, not JSON), and no session starts.
    const web = new WebClient(instance);
    const loginPage = await web.get("/login");
    const page = await web.post("/login", { username: "lena", password }, loginPage.html, { "X-Forwarded-For": freshIp() });
    expect(page.status).toBe(429);
    expect(page.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(page.html).toContain("Too many attempts");
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await sessionsOf("lena")).toBe(0);

    await waitOut(refused);
    expect((await apiLogin("lena", password)).status).toBe(201);
    expect(await tokensOf("lena")).toBe(tokens + 1);
    expect(lena.token).toBeTruthy();
    await healthy(instance.url);
  }, 30_000);

  it("does not count successful log-ins", async () => {
    await createMember(instance, "omar");
    for (let i = 0; i < 5; i++) expect((await apiLogin("omar", "omar has a long password")).status).toBe(201);
  });

  it("refuses an address after 4 attempts, whichever usernames it tries; other addresses still log in", async () => {
    await createMember(instance, "pia");
    const ip = freshIp();
    for (let i = 0; i < 4; i++) expect((await apiLogin(`nobody${i}`, "a wrong password", ip)).status).toBe(401);
    const refused = await apiLogin("pia", "pia has a long password", ip);
    expect(refused.status).toBe(429);
    expect(await tokensOf("pia")).toBe(1);
    expect((await apiLogin("pia", "pia has a long password")).status).toBe(201);
    await waitOut(refused);
    expect((await apiLogin("pia", "pia has a long password", ip)).status).toBe(201);
  }, 30_000);
});

describe("sign-up", () => {
  async function signUp(username: string, ip: string) {
    const web = new WebClient(instance);
    const form = await web.get("/signup");
    return await web.post("/signup", {
      username, display_name: username, password: `${username} has a long password`, age: "yes", consent: "yes",
    }, form.html, { "X-Forwarded-For": ip });
  }
  const exists = async (username: string) =>
    (await db().selectFrom("accounts").select("id").where("username", "=", username).executeTakeFirst()) != null;

  it("refuses a third account from one address in the window, storing nothing, and accepts it afterwards", async () => {
    const ip = freshIp();
    expect((await signUp("newcomer1", ip)).status).toBe(200);
    expect((await signUp("newcomer2", ip)).status).toBe(200);
    const refused = await signUp("newcomer3", ip);
    expect(refused.status).toBe(429);
    expect(refused.html).toContain("Too many attempts");
    expect(await exists("newcomer3")).toBe(false);
    // Another address is not affected.
    expect((await signUp("newcomer4", freshIp())).status).toBe(200);
    await waitOut(refused);
    expect((await signUp("newcomer3", ip)).status).toBe(200);
    expect(await exists("newcomer3")).toBe(true);
    await healthy(instance.url);
  }, 30_000);
});

describe("posting", () => {
  async function joined(username: string): Promise<Member> {
    const member = await createMember(instance, username);
    await apiOk(member, "POST", "/groups/follow", { handle: "limits" });
    return member;
  }

  it("refuses a member's third post in the window (threads, replies and polls alike) through the API", async () => {
    const rosa = await joined("rosa");
    const thread = (n: number) => ({ title: `Thread ${n}`, body: `Body ${n}` });
    const first = await apiFrom(rosa, freshIp(), "POST", `/groups/${groupId}/threads`, thread(1));
    expect(first.res.status).toBe(201);
    expect((await apiFrom(rosa, freshIp(), "POST", `/posts/${first.json.post.id}/replies`, { body: "a reply" })).res.status).toBe(201);
    const refusals = [
      await apiFrom(rosa, freshIp(), "POST", `/groups/${groupId}/threads`, thread(3)),
      await apiFrom(rosa, freshIp(), "POST", `/posts/${first.json.post.id}/replies`, { body: "another reply" }),
      await apiFrom(rosa, freshIp(), "POST", `/groups/${groupId}/polls`, { title: "Poll", options: ["a", "b"], duration: "1d" }),
    ];
    for (const { res, json } of refusals) {
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(json.error).toMatch(/too many requests/);
    }
    expect(await postsBy("rosa")).toBe(2);
    // Reading is not limited.
    expect((await apiFrom(rosa, freshIp(), "GET", `/posts/${first.json.post.id}`)).res.status).toBe(200);
    await waitOut(refusals[0].res);
    expect((await apiFrom(rosa, freshIp(), "POST", `/groups/${groupId}/threads`, thread(3))).res.status).toBe(201);
    expect(await postsBy("rosa")).toBe(3);
  }, 30_000);

  it("refuses an address's fourth post in the window on the web pages, whoever posts", async () => {
    const ip = freshIp();
    const clients: WebClient[] = [];
    for (const name of ["sam", "tove"]) {
      await joined(name);
      const web = new WebClient(instance);
      const login = await web.get("/login");
      expect((await web.post("/login", { username: name, password: `${name} has a long password` }, login.html)).status)
        .toBe(200);
      clients.push(web);
    }
    const post = async (web: WebClient, n: number) => {
      const form = await web.get(`/g/${groupId}/new`);
      return await web.post(`/g/${groupId}/new`, { title: `Web thread ${n}`, body: `Web body ${n}` }, form.html,
        { "X-Forwarded-For": ip });
    };
    const [sam, tove] = clients;
    expect((await post(sam, 1)).status).toBe(200);
    expect((await post(sam, 2)).status).toBe(200);
    expect((await post(tove, 3)).status).toBe(200);
    const refused = await post(tove, 4);
    expect(refused.status).toBe(429);
    expect(refused.html).toContain("Too many attempts");
    expect(await postsBy("sam") + await postsBy("tove")).toBe(3);
    await waitOut(refused);
    expect((await post(tove, 4)).status).toBe(200);
    expect(await postsBy("tove")).toBe(2);
  }, 30_000);
});

describe("what is stored", () => {
  it("keeps keyed hashes only: no address, no username", async () => {
    const rows = await db().selectFrom("rate_limits").selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.key).toMatch(/^[a-z-]+:[\w-]{43}$/);
      expect(row.key).not.toMatch(/198\.51|127\.0|lena|pia|rosa/);
    }
  });
});

describe("inbox deliveries per remote server", () => {
  it("refuses a server's fourth delivery in the window with 429, not counting bad signatures or bodies, and not other servers", async () => {
    const { instance: target, harness, stop } = await startHarnessedInstance({ RATE_LIMIT_INBOX_PER_INSTANCE: "3/6" });
    try {
      const DS9 = "https://ds9.lemmy.ml";
      const E = "https://enterprise.lemmy.ml";
      const ALPHA = `${DS9}/u/lemmy_alpha`;
      const BETA = `${E}/u/lemmy_beta`;
      const THREAD = `${DS9}/post/1`;
      const s = await harness.scenario({ family: "lemmy-1.0", local: { [`${E}/c/main`]: "group" } });
      const like = (actor: string, n: number) =>
        ({ "@context": LEMMY_CONTEXT, id: `${actor}#like-${n}`, type: "Like", actor, object: THREAD });
      const likes = async () =>
        (await target.kindred.database.db.selectFrom("posts").select("like_count")
          .where("uri", "=", s.uri(THREAD)).executeTakeFirstOrThrow()).like_count;

      // Someone naming ds9's key without holding it: refused (401) and not counted against ds9.
      const { privateKey } = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
      for (let i = 0; i < 4; i++) expect(await s.send(like(ALPHA, 100 + i), { privateKey })).toBe(401);
      // Nor bodies refused before any signature is checked (400), whatever key they name.
      const signed = await s.request(s.rewrite(like(ALPHA, 200)));
      const headers = new Headers(signed.headers);
      headers.delete("content-length");
      for (let i = 0; i < 4; i++) {
        expect((await fetch(signed.url, { method: "POST", headers, body: "{not json" })).status).toBe(400);
      }

      expect(await s.replay("activities/create_or_update/create_page.json")).toBe(202); // ds9: 1
      expect(await s.send(like(ALPHA, 1))).toBe(202); // ds9: 2
      expect(await s.send({ "@context": LEMMY_CONTEXT, id: `${ALPHA}#undo-1`, type: "Undo", actor: ALPHA, object: like(ALPHA, 1) }))
        .toBe(202); // ds9: 3
      const refused = await fetch(await s.request(s.rewrite(like(ALPHA, 2))));
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      expect((await refused.json()).error).toMatch(/too many requests/);
      expect(await likes()).toBe(0);
      // Another server is not affected.
      expect(await s.send(like(BETA, 1))).toBe(202);
      expect(await likes()).toBe(1);
      await healthy(target.url);

      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeLessThanOrEqual(6);
      await sleep(retryAfter * 1000 + 300);
      expect(await s.send(like(ALPHA, 2))).toBe(202);
      expect(await likes()).toBe(2);
    } finally {
      await stop();
    }
  }, 90_000);
});

describe("configuration and addresses", () => {
  it("reads COUNT/SECONDS or off, and refuses anything else naming the setting", () => {
    expect(loadRateLimits({ RATE_LIMIT_LOGIN_PER_ACCOUNT: "5/60" }).loginPerAccount).toEqual({ max: 5, windowSeconds: 60 });
    expect(loadRateLimits({ RATE_LIMIT_POSTS_PER_IP: "off" }).postsPerIp).toBeNull();
    expect(loadRateLimits({}).loginPerAccount).toEqual({ max: 10, windowSeconds: 900 });
    for (const bad of ["5", "five/60", "0/60", "5/0", "5/100000", "-1/60"]) {
      expect(() => loadRateLimits({ RATE_LIMIT_SIGNUP_PER_IP: bad }), bad).toThrow(ConfigError);
      expect(() => loadRateLimits({ RATE_LIMIT_SIGNUP_PER_IP: bad }), bad).toThrow(/RATE_LIMIT_SIGNUP_PER_IP/);
    }
    expect(() => loadRateLimits({ TRUST_PROXY: "maybe" })).toThrow(/TRUST_PROXY/);
  });

  it("counts IPv6 clients per /64 and IPv4-mapped addresses as IPv4", () => {
    expect(addressBlock("203.0.113.9")).toBe("203.0.113.9");
    expect(addressBlock("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(addressBlock("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressBlock("2001:db8:1:2::9")).toBe("2001:db8:1:2::/64");
    expect(addressBlock("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressBlock("2001:0db8:0001:0002:ffff::1")).toBe("2001:db8:1:2::/64");
    expect(addressBlock("::1")).toBe("0:0:0:0::/64");
  });
});
