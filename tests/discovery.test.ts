/**
 * Cross-instance discovery of support groups by condition (issue 9, item 1),
 * over real HTTP between live instances: A hosts groups tagged with
 * Orphanet and ICD-10 codes; B federates with A, fetches A's directory
 * (signed by B's instance actor), lists A's groups on its directory page
 * filtered by condition, and a member of B joins one from there in one
 * click.  Also: what never appears (private, local-only, unlisted groups),
 * the federation policy on both sides, and entries a server may not make.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { signRequest } from "@fedify/fedify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { logIn } from "../src/auth.ts";
import { runCommand } from "../src/cli/commands.ts";
import { removeDomain, setDomainRule, setFederationMode } from "../src/federation-policy.ts";
import { findGroupBySlug } from "../db/groups.ts";
import { apiOk, api, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { text, WebClient } from "./helpers/web.ts";

let a: TestInstance;
let b: TestInstance;
let alice: Member; // on A, owner of the groups
let bea: Member; // on B
let webBea: WebClient;
const out: string[] = [];

async function cli(instance: TestInstance, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await runCommand(args, {
    db: instance.kindred.database.db,
    origin: instance.url,
    fedify: () => instance.kindred.federation.createContext(instance.url, instance.kindred.contextData),
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
  });
  out.push(...lines);
  return { code, out: lines.join("\n"), err: errors.join("\n") };
}

/** The "On other instances" section of a directory page, as text. */
function otherInstances(html: string): string {
  const start = html.indexOf('id="remote-heading"');
  if (start < 0) return "";
  return text(html.slice(start, html.indexOf("</section>", start)));
}

async function entriesOn(instance: TestInstance): Promise<{ actor_uri: string; peer_host: string; name: string }[]> {
  return await instance.kindred.database.db.selectFrom("directory_entries").select(["actor_uri", "peer_host", "name"])
    .orderBy("name").execute();
}

/** GET `url` signed by `from`'s instance actor, as a peer's directory fetch is. */
async function signedBy(from: TestInstance, url: URL): Promise<Response> {
  const ctx = from.kindred.federation.createContext(from.url, from.kindred.contextData);
  const [pair] = await ctx.getActorKeyPairs("_instance");
  return await fetch(await signRequest(new Request(url, { headers: { Accept: "application/json" } }), pair.privateKey, pair.keyId));
}

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance({ INSTANCE_NAME: "Hospital A" }), startInstance({ INSTANCE_NAME: "Patients B" })]);
  alice = await createMember(a, "alice");
  bea = await createMember(b, "bea");
  await createLocalGroup(a, {
    slug: "marfan",
    name: "Marfan circle",
    description: "Peer support for people living with **Marfan syndrome**.",
    owner: "alice",
    conditionTags: "ORPHA:558 Marfan syndrome",
    languages: "en, fr",
  });
  await createLocalGroup(a, { slug: "breast", name: "Breast cancer together", owner: "alice", conditionTags: ["icd10:c50.9"] });
  await createLocalGroup(a, { slug: "secret", name: "Secret Marfan", owner: "alice", visibility: "private", conditionTags: "ORPHA:558" });
  await createLocalGroup(a, { slug: "inhouse", name: "In-house Marfan", owner: "alice", visibility: "local", conditionTags: "ORPHA:558" });
  await createLocalGroup(a, { slug: "quiet", name: "Quiet Marfan", owner: "alice", conditionTags: "ORPHA:558", listedElsewhere: false });
  // B federates with A: an allow rule (a follow would do too).
  await setDomainRule(b.kindred.database.db, null, a.host, "allow", "partner hospital");
  webBea = new WebClient(b);
  await webBea.submit("/login", "/login", { username: "bea", password: "bea has a long password" });
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe("A's directory document", () => {
  it("is advertised in NodeInfo and lists only public, listed groups, with their tags, languages and activity", async () => {
    const groups = await apiOk(alice, "GET", "/groups");
    const marfanId = groups.groups.find((g: { slug: string }) => g.slug === "marfan").id;
    await apiOk(alice, "POST", "/groups/follow", { handle: "marfan" });
    await apiOk(alice, "POST", `/groups/${marfanId}/threads`, { title: "Hello from Lyon", body: "First meeting notes." });

    const nodeInfo = await (await fetch(new URL("/nodeinfo/2.1", a.url))).json();
    expect(nodeInfo.metadata.groupDirectory).toBe(new URL("/directory.json", a.url).href);

    const res = await signedBy(b, new URL(nodeInfo.metadata.groupDirectory));
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.type).toBe("KindredGroupDirectory");
    expect(doc.server).toBe(a.host);
    const names = doc.groups.map((g: { name: string }) => g.name).sort();
    expect(names).toEqual(["Breast cancer together", "Marfan circle"]);
    const marfan = doc.groups.find((g: { name: string }) => g.name === "Marfan circle");
    expect(marfan).toMatchObject({
      id: new URL("/@marfan", a.url).href,
      handle: `@marfan@${a.host}`,
      summary: "Peer support for people living with Marfan syndrome.",
      conditionTags: [{ code: "ORPHA:558", label: "Marfan syndrome", hashtag: "#ORPHA_558" }],
      languages: ["en", "fr"],
      memberCount: 1,
      postsLast30Days: 1,
      joinPolicy: "open",
      sensitive: false,
      audience: "everyone",
    });
    expect(Date.now() - Date.parse(marfan.lastActivity)).toBeLessThan(60_000);
    expect(doc.next).toBeNull();
    expect(JSON.stringify(doc)).not.toMatch(/Secret|In-house|Quiet/);
  });

  it("puts condition tags on the Group actor as hashtags linking to the filtered directory", async () => {
    const res = await fetch(new URL("/@breast", a.url), { headers: { Accept: "application/activity+json" } });
    const actor = await res.json();
    const tags = Array.isArray(actor.tag) ? actor.tag : [actor.tag];
    expect(tags).toEqual([
      { type: "Hashtag", name: "#ICD10_C50_9", href: new URL("/groups?tag=ICD10%3AC50.9", a.url).href },
    ]);
  });
});

describe("B finds A's group by condition and joins it in one click", () => {
  it("refreshes from the CLI, signed, and lists A's public groups only", async () => {
    const result = await cli(b, ["directory", "refresh"]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toContain(`${a.host}: 2 groups`);
    const entries = await entriesOn(b);
    expect(entries.map((e) => e.name)).toEqual(["Breast cancer together", "Marfan circle"]);
    expect(entries.every((e) => e.peer_host === a.host)).toBe(true);
  });

  it("finds the group by its Orphanet code on /groups and joins it through the web form", async () => {
    const page = await webBea.get("/groups?tag=ORPHA%3A558");
    expect(page.status).toBe(200);
    const words = text(page.html);
    expect(words).toContain("On other instances");
    expect(words).toContain("Marfan circle");
    expect(words).toContain(`On ${a.host}`);
    expect(words).toContain("English, French");
    expect(words).not.toContain("Breast cancer together");
    expect(words).not.toMatch(/Secret Marfan|In-house Marfan|Quiet Marfan/);
    const actorUri = new URL("/@marfan", a.url).href;
    expect(page.html).toContain(`name="handle" value="${actorUri}"`);

    // The one click: the Join button's form.
    const joined = await webBea.post("/groups/follow", { handle: actorUri }, page.html);
    expect(joined.status).toBe(200);
    expect(joined.url.pathname).toMatch(/^\/g\/\d+$/);
    expect(text(joined.html)).toContain("Marfan circle");
    await waitForQueues([a, b]);

    // A has B's member as an accepted follower of the group.
    const follow = await sql<{ state: string }>`
      select f.state from follows f join actors m on m.id = f.follower_id join actors g on g.id = f.followee_id
      where m.uri = ${bea.uri} and g.uri = ${actorUri}`.execute(a.kindred.database.db);
    expect(follow.rows).toEqual([{ state: "accepted" }]);

    // B's member reads what is posted in the group from now on.
    const groups = await apiOk(alice, "GET", "/groups");
    const marfanId = groups.groups.find((g: { slug: string }) => g.slug === "marfan").id;
    await apiOk(alice, "POST", `/groups/${marfanId}/threads`, { title: "Welcome to our new members", body: "Glad you found us." });
    await waitForQueues([a, b]);
    const groupPage = await webBea.get(joined.url.pathname);
    expect(text(groupPage.html)).toContain("Welcome to our new members");
    // The tags of a remote group link to the filtered directory.
    expect(groupPage.html).toContain(`href="/groups?tag=ORPHA%3A558"`);

    // Back in the directory, the group shows as joined rather than offering the button again.
    const again = await webBea.get("/groups?tag=ORPHA%3A558");
    expect(otherInstances(again.html)).toContain("Marfan circle");
    expect(otherInstances(again.html)).toContain("Member");
    expect(again.html).not.toContain(`name="handle" value="${actorUri}"`);
  });

  it("matches ICD-10 sub-codes, labels and languages; the API says the same", async () => {
    const category = otherInstances((await webBea.get("/groups?tag=ICD10%3AC50")).html);
    expect(category).toContain("Breast cancer together");
    expect(category).not.toContain("Marfan circle");
    const other = otherInstances((await webBea.get("/groups?tag=ICD10%3AC51")).html);
    expect(other).not.toContain("Breast cancer together");
    expect(other).toContain("No group on the servers this one federates with matches.");
    const exact = text((await webBea.get("/groups?tag=icd10+c50.9")).html);
    expect(exact).toContain("Breast cancer together");
    // A sub-code does not find its category's other codes.
    expect(otherInstances((await webBea.get("/groups?tag=ICD10%3AC50.1")).html)).not.toContain("Breast cancer together");
    expect(otherInstances((await webBea.get("/groups?tag=marfan")).html)).toContain("Marfan circle");
    expect(otherInstances((await webBea.get("/groups?language=fr")).html)).toContain("Marfan circle");
    // The search box searches the other instances' groups too (name and description).
    expect(otherInstances((await webBea.get("/groups?q=marfan+circle")).html)).toContain("Marfan circle");
    expect(otherInstances((await webBea.get("/groups?q=lupus")).html)).not.toContain("Marfan circle");
    expect(otherInstances((await webBea.get("/groups?language=de")).html)).not.toContain("Marfan circle");
    const bad = await webBea.get("/groups?language=klingon-yes");
    expect(bad.status).toBe(400);
    expect(text(bad.html)).toContain("is not a language tag");

    const json = await apiOk(bea, "GET", "/directory?tag=ICD10:C50");
    expect(json.otherInstances.map((g: { name: string }) => g.name)).toEqual(["Breast cancer together"]);
    expect(json.otherInstances[0]).toMatchObject({
      uri: new URL("/@breast", a.url).href,
      server: a.host,
      conditionTags: [{ code: "ICD10:C50.9", label: "" }],
      stale: false,
    });
    const local = await apiOk(alice, "GET", "/directory?tag=ORPHA:558");
    // On A itself: its own groups, private ones by name (as the directory always showed them), local-only to local members.
    expect(local.groups.map((g: { slug: string }) => g.slug).sort()).toEqual(["inhouse", "marfan", "quiet", "secret"]);
    expect((await api(bea, "GET", "/directory?language=xx-yy-zz")).status).toBe(422);
  });
});

describe("tags are validated strictly; nothing is saved on an error", () => {
  it("web settings: the form again with the message and the input kept", async () => {
    const owner = new WebClient(a);
    await owner.submit("/login", "/login", { username: "alice", password: "alice has a long password" });
    const group = (await findGroupBySlug(a.kindred.database.db, "marfan"))!;
    const actorId = (await apiOk(alice, "GET", "/groups")).groups.find((g: { slug: string }) => g.slug === "marfan").id;
    const form = await owner.get(`/g/${actorId}/settings`);
    expect(form.html).toContain("ORPHA:558 Marfan syndrome");
    const fields = {
      name: group.name, description: group.summary_source, rules: "", joinPolicy: "open", visibility: "public",
      holdFirstPosts: "0", welcome: "", introductionsThreadId: "", languages: "en, fr", listedElsewhere: "on",
    };
    const bad = await owner.post(`/g/${actorId}/settings`, { ...fields, conditionTags: "ORPHA:558\nICD10:C5O" }, form.html);
    expect(bad.status).toBe(422);
    expect(text(bad.html)).toContain("is not a condition code");
    expect(bad.html).toContain("ICD10:C5O");
    const badLanguage = await owner.post(`/g/${actorId}/settings`, { ...fields, conditionTags: "ORPHA:558", languages: "english" }, form.html);
    expect(badLanguage.status).toBe(422);
    expect(text(badLanguage.html)).toContain("is not a language tag");
    const tooMany = Array.from({ length: 11 }, (_, i) => `ORPHA:${i + 1}`).join("\n");
    const many = await owner.post(`/g/${actorId}/settings`, { ...fields, conditionTags: tooMany }, form.html);
    expect(text(many.html)).toContain("at most 10 condition tags");
    const after = (await findGroupBySlug(a.kindred.database.db, "marfan"))!;
    expect(after.condition_tags).toEqual([{ code: "ORPHA:558", label: "Marfan syndrome" }]);
    expect(after.languages).toEqual(["en", "fr"]);

    // A good change is saved, normalised.
    const good = await owner.post(`/g/${actorId}/settings`, {
      ...fields,
      conditionTags: "orpha 558 = Marfan syndrome\nicd-10:q87.4 Marfan (ICD-10)",
    }, form.html);
    expect(good.url.search).toBe("?saved=1");
    expect((await findGroupBySlug(a.kindred.database.db, "marfan"))!.condition_tags).toEqual([
      { code: "ORPHA:558", label: "Marfan syndrome" },
      { code: "ICD10:Q87.4", label: "Marfan (ICD-10)" },
    ]);

    // B follows the group (bea joined it): the Update(Group) carries the new hashtags, which B keeps.
    await waitForQueues([a, b]);
    const remote = await sql<{ condition_tags: unknown }>`
      select t.condition_tags from remote_group_tags t join actors g on g.id = t.actor_id
      where g.uri = ${new URL("/@marfan", a.url).href}`.execute(b.kindred.database.db);
    expect(remote.rows).toEqual([{ condition_tags: [{ code: "ORPHA:558", label: "" }, { code: "ICD10:Q87.4", label: "" }] }]);
  });

  it("API: 422 with the field; CLI: exit 1; nothing changed", async () => {
    const actorId = (await apiOk(alice, "GET", "/groups")).groups.find((g: { slug: string }) => g.slug === "breast").id;
    const bad = await api(alice, "PATCH", `/groups/${actorId}`, { conditionTags: ["ORPHA:0123"] });
    expect(bad.status).toBe(422);
    expect(bad.json.field).toBe("conditionTags");
    const badObject = await api(alice, "PATCH", `/groups/${actorId}`, { conditionTags: [{ code: "ICD10:C50", label: 5 }] });
    expect(badObject.status).toBe(422);
    const badLanguages = await api(alice, "PATCH", `/groups/${actorId}`, { languages: ["en", "zz"] });
    expect(badLanguages.status).toBe(422);
    expect(badLanguages.json.field).toBe("languages");
    const cliBad = await cli(a, ["group", "update", "breast", "--tags", "C50.9"]);
    expect(cliBad.code).toBe(1);
    expect(cliBad.err).toMatch(/not a condition code.*nothing was changed/);
    const cliCreate = await cli(a, ["group", "create", "--slug", "new-one", "--name", "New", "--languages", "en,??"]);
    expect(cliCreate.code).toBe(1);
    expect(await findGroupBySlug(a.kindred.database.db, "new-one")).toBeUndefined();
    expect((await findGroupBySlug(a.kindred.database.db, "breast"))!.condition_tags).toEqual([{ code: "ICD10:C50.9", label: "" }]);

    const good = await apiOk(alice, "PATCH", `/groups/${actorId}`, {
      conditionTags: [{ code: "ICD10:C50.9", label: "Breast cancer" }],
      languages: ["en-gb"],
    });
    expect(good.settings ?? good).toMatchObject({ conditionTags: [{ code: "ICD10:C50.9", label: "Breast cancer" }], languages: ["en-GB"] });
    const cliGood = await cli(a, ["group", "update", "breast", "--tags", "ICD10:C50.9 Breast cancer; ICD10:C50.1", "--unlisted"]);
    expect(cliGood.code).toBe(0);
    const row = (await findGroupBySlug(a.kindred.database.db, "breast"))!;
    expect(row.condition_tags.map((t) => t.code)).toEqual(["ICD10:C50.9", "ICD10:C50.1"]);
    expect(row.listed_elsewhere).toBe(false);

    // Unlisted now: gone from the document and, after a refresh, from B.
    const doc = await (await signedBy(b, new URL("/directory.json", a.url))).json();
    expect(doc.groups.map((g: { name: string }) => g.name)).toEqual(["Marfan circle"]);
    await cli(b, ["directory", "refresh", "--host", a.host]);
    expect((await entriesOn(b)).map((e) => e.name)).toEqual(["Marfan circle"]);
    await cli(a, ["group", "update", "breast", "--listed"]);
  });
});

describe("the federation policy, on both sides", () => {
  it("A's answers: unsigned 401 pointing to /groups, allowlist (403 for others), closed (403), blocked (403)", async () => {
    const doc = new URL("/directory.json", a.url);
    const adb = a.kindred.database.db;
    expect((await signedBy(b, doc)).status).toBe(200);
    // Unsigned: refused in open mode too (a blocked server cannot just stop signing); people have /groups.
    const unsigned = await fetch(doc, { headers: { Accept: "application/json" } });
    expect(unsigned.status).toBe(401);
    expect((await unsigned.json()).error).toContain("/groups");
    await setFederationMode(adb, null, "allowlist");
    await new Promise((r) => setTimeout(r, 3100)); // the policy cache
    try {
      expect((await fetch(doc, { headers: { Accept: "application/json" } })).status).toBe(401);
      expect((await signedBy(b, doc)).status).toBe(403);
      await setDomainRule(adb, null, b.host, "allow");
      await new Promise((r) => setTimeout(r, 3100));
      expect((await signedBy(b, doc)).status).toBe(200);
      await setFederationMode(adb, null, "closed");
      await new Promise((r) => setTimeout(r, 3100));
      expect((await signedBy(b, doc)).status).toBe(403);
      expect((await fetch(doc)).status).toBe(403);
    } finally {
      await setFederationMode(adb, null, "open");
      await sql`delete from federation_rules where domain = ${b.host}`.execute(adb);
    }
    // A forged signature (B's key id, another key) does not verify.
    const forged = await fetch(doc, {
      headers: {
        Accept: "application/json",
        Signature: `keyId="${new URL("/@_instance#main-key", b.url).href}",algorithm="rsa-sha256",headers="(request-target) host date",signature="AAAA"`,
        Date: new Date().toUTCString(),
      },
    });
    expect(forged.status).toBe(401);
  });

  it("in secure mode an unsigned request gets 401, a signed one the document", async () => {
    const secure = await startInstance({ SECURE_MODE: "true" });
    try {
      await createLocalGroup(secure, { slug: "lupus", name: "Lupus here", conditionTags: "ORPHA:536" });
      const doc = new URL("/directory.json", secure.url);
      expect((await fetch(doc, { headers: { Accept: "application/json" } })).status).toBe(401);
      const signed = await signedBy(b, doc);
      expect(signed.status).toBe(200);
      expect((await signed.json()).groups.map((g: { name: string }) => g.name)).toEqual(["Lupus here"]);
    } finally {
      await secure.stop();
    }
  });

  it("A blocks B: A refuses B's fetch and B drops A's entries; B blocks A: B forgets A", async () => {
    const adb = a.kindred.database.db;
    await new Promise((r) => setTimeout(r, 3100));
    await cli(b, ["directory", "refresh"]);
    expect((await entriesOn(b)).length).toBeGreaterThan(0);
    await setDomainRule(adb, null, b.host, "block", "test");
    await new Promise((r) => setTimeout(r, 3100));
    try {
      const refused = await cli(b, ["directory", "refresh"]);
      expect(refused.out).toContain(`${a.host}: failed (refused: HTTP 403)`);
      expect(await entriesOn(b)).toEqual([]);
    } finally {
      await sql`delete from federation_rules where domain = ${b.host}`.execute(adb);
    }
    await new Promise((r) => setTimeout(r, 3100));
    await cli(b, ["directory", "refresh"]);
    expect((await entriesOn(b)).length).toBe(2);

    // B blocks A (the allow rule replaced): A is no longer a peer; its entries go.
    const bdb = b.kindred.database.db;
    await setDomainRule(bdb, null, a.host, "block", "test");
    await new Promise((r) => setTimeout(r, 3100));
    const result = await cli(b, ["directory", "refresh"]);
    expect(result.out).toContain(`${a.host}: removed`);
    expect(await entriesOn(b)).toEqual([]);
    expect(text((await webBea.get("/groups?tag=ORPHA%3A558")).html)).not.toContain(`On ${a.host}`);
    const onlyA = await cli(b, ["directory", "refresh", "--host", a.host]);
    expect(onlyA.code).toBe(1);
    expect(onlyA.err).toContain("is not a server this instance federates with");
    // No rule at all now: B's member follows a group on A, so A is a peer again.
    await removeDomain(bdb, null, a.host);
    await new Promise((r) => setTimeout(r, 3100));
    const byFollow = await cli(b, ["directory", "refresh"]);
    expect(byFollow.out).toContain(`${a.host}: 2 groups`);
    expect((await entriesOn(b)).length).toBe(2);
  });
});

describe("a peer's directory is checked entry by entry", () => {
  let fake: Server;
  let fakeHost: string;
  let body: () => unknown;
  let page2: () => unknown = () => ({ groups: [] });
  let status = 200;

  beforeAll(async () => {
    fake = createServer((req, res) => {
      const origin = `http://${fakeHost}`;
      const json = (value: unknown, code = 200) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (req.url === "/.well-known/nodeinfo") {
        return json({ links: [{ rel: "http://nodeinfo.diaspora.software/ns/schema/2.1", href: `${origin}/nodeinfo/2.1` }] });
      }
      if (req.url === "/nodeinfo/2.1") {
        return json({ version: "2.1", software: { name: "kindred", version: "0.1.0" }, protocols: ["activitypub"],
          services: { inbound: [], outbound: [] }, openRegistrations: false, usage: { users: {} },
          metadata: { groupDirectory: `${origin}/directory.json` } });
      }
      if (req.url?.startsWith("/directory.json")) {
        // Only signed requests are answered, as a peer in allowlist mode would.
        if (!req.headers.signature) return json({ error: "sign" }, 401);
        return json(req.url.endsWith("?page=2") ? page2() : body(), status);
      }
      json({ error: "not found" }, 404);
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    fakeHost = `127.0.0.1:${(fake.address() as AddressInfo).port}`;
    await setDomainRule(b.kindred.database.db, null, fakeHost, "allow");
  });
  afterAll(async () => {
    await new Promise((r) => fake.close(r));
  });

  it("drops entries for other hosts, bad codes and languages; keeps stale entries after a failure", async () => {
    const own = (path: string) => `http://${fakeHost}${path}`;
    body = () => ({
      groups: [
        { id: own("/@lupus"), handle: `@lupus@${fakeHost}`, name: "Lupus friends\u0007", summary: "x".repeat(2000),
          conditionTags: [{ code: "ORPHA:536", label: "Lupus" }, { code: "NOT:A:CODE" }, { code: "icd10:m32" }],
          languages: ["en", "not a language", "de"], memberCount: 12, postsLast30Days: -3, lastActivity: "2099-01-01T00:00:00Z",
          joinPolicy: "approval", sensitive: true, audience: "caregivers" },
        // Another server's group: a server may only speak for its own.
        { id: new URL("/@marfan", a.url).href, handle: `@marfan@${a.host}`, name: "Hijacked Marfan", conditionTags: [{ code: "ORPHA:558" }] },
        // A handle claiming another host is not shown.
        { id: own("/@als"), handle: "@als@hospital.example", name: "ALS circle", audience: "nurses" },
        { id: "javascript:alert(1)", name: "Bad" },
        { id: own("/@nameless") },
      ],
    });
    const result = await cli(b, ["directory", "refresh", "--host", fakeHost]);
    expect(result.out).toContain(`${fakeHost}: 2 groups (3 entries dropped)`);
    const rows = await b.kindred.database.db.selectFrom("directory_entries").selectAll().where("peer_host", "=", fakeHost)
      .orderBy("name").execute();
    expect(rows.map((r) => r.name)).toEqual(["ALS circle", "Lupus friends"]);
    expect(rows[0].handle).toBe(own("/@als"));
    expect(rows[0].audience).toBe("everyone");
    expect(rows[1]).toMatchObject({
      handle: `@lupus@${fakeHost}`,
      condition_tags: [{ code: "ORPHA:536", label: "Lupus" }, { code: "ICD10:M32", label: "" }],
      languages: ["en", "de"],
      member_count: 12,
      posts_30d: 0,
      last_activity_at: null,
      join_policy: "approval",
      sensitive: true,
      audience: "caregivers",
    });
    expect(rows[1].summary.length).toBeLessThanOrEqual(500);
    expect(text((await webBea.get("/groups?tag=ORPHA%3A558")).html)).not.toContain("Hijacked");

    // A failed fetch (500) keeps the entries, marked out of date.
    status = 500;
    const failed = await cli(b, ["directory", "refresh", "--host", fakeHost]);
    expect(failed.out).toContain(`${fakeHost}: failed (HTTP 500)`);
    const page = text((await webBea.get("/groups?tag=ORPHA%3A536")).html);
    expect(page).toContain("Lupus friends");
    expect(page).toMatch(/Lupus friends.*For caregivers and family.*May be out of date/);
    status = 200;

    // A page too large is refused, the previous entries kept.
    body = () => ({ groups: [{ id: own("/@big"), name: "y".repeat(3 * 1024 * 1024) }] });
    const big = await cli(b, ["directory", "refresh", "--host", fakeHost]);
    expect(big.out).toContain("too large");
    expect((await entriesOn(b)).some((e) => e.name === "Lupus friends")).toBe(true);
  });

  it("follows `next` on the peer's own origin only", async () => {
    const own = (path: string) => `http://${fakeHost}${path}`;
    body = () => ({ groups: [{ id: own("/@one"), name: "Page one group" }], next: own("/directory.json?page=2") });
    page2 = () => ({ groups: [{ id: own("/@two"), name: "Page two group" }], next: null });
    const paged = await cli(b, ["directory", "refresh", "--host", fakeHost]);
    expect(paged.out).toContain(`${fakeHost}: 2 groups`);
    const names = (await entriesOn(b)).filter((e) => e.peer_host === fakeHost).map((e) => e.name);
    expect(names).toEqual(["Page one group", "Page two group"]);
    // A `next` on another origin fails the fetch: the earlier entries stay (stale).
    body = () => ({ groups: [{ id: own("/@one"), name: "Page one group" }], next: new URL("/directory.json", a.url).href });
    const elsewhere = await cli(b, ["directory", "refresh", "--host", fakeHost]);
    expect(elsewhere.out).toContain("directory page on another origin");
    expect((await entriesOn(b)).filter((e) => e.peer_host === fakeHost).length).toBe(2);
  });

  it("one refresh at a time: a held lease makes another refresh skip", async () => {
    const db = b.kindred.database.db;
    await sql`update directory_lease set holder = 'someone-else', until = now() + interval '1 minute'`.execute(db);
    try {
      const result = await cli(b, ["directory", "refresh"]);
      expect(result.out).toContain("Another refresh is running");
    } finally {
      await sql`update directory_lease set holder = null, until = null`.execute(db);
    }
  });
});

describe("the admins' button", () => {
  it("fetches the directories from /admin/federation and shows each server", async () => {
    await createAccount(b.kindred.database.db, b.url, { username: "boss", password: "boss has a long password", role: "admin" });
    const admin = new WebClient(b);
    await admin.submit("/login", "/login", { username: "boss", password: "boss has a long password" });
    const page = await admin.submit("/admin/federation", "/admin/federation/directory-refresh", {});
    expect(page.status).toBe(200);
    const words = text(page.html);
    expect(words).toContain("Directories fetched.");
    expect(words).toContain(`${a.host}: 2 groups`);
    expect(words).toContain("Group directory");
    // Members cannot.
    const member = await webBea.post("/admin/federation/directory-refresh", {}, (await webBea.get("/groups")).html);
    expect(member.status).toBe(403);

    // The same through the API.
    const token = (await logIn(b.kindred.database.db, "boss", "boss has a long password"))!;
    const boss: Member = { instance: b, username: "boss", token, uri: new URL("/@boss", b.url).href };
    const report = await apiOk(boss, "POST", "/admin/directory/refresh", { host: a.host });
    expect(report.skipped).toBe(false);
    expect(report.peers).toEqual([{ host: a.host, ok: true, entries: 2, dropped: 0 }]);
    expect((await api(boss, "POST", "/admin/directory/refresh", { host: "nowhere.example" })).status).toBe(422);
    expect((await api(bea, "POST", "/admin/directory/refresh", {})).status).toBe(403);
  });
});
