/**
 * Group, Person and instance actors over real HTTP: JSON-LD fields compared
 * with Lemmy's Group, WebFinger, NodeInfo, and content negotiation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { createGroup } from "../src/groups.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

const AP = "application/activity+json";
let instance: TestInstance;
let groupId: string;

beforeAll(async () => {
  instance = await startInstance();
  const db = instance.kindred.database.db;
  await createAccount(db, instance.url, { username: "alice", password: "correct horse battery", role: "admin" });
  await createGroup(db, instance.url, {
    slug: "breast-cancer",
    name: "Breast cancer support",
    description: "A place to **talk**.\n\n<script>alert(1)</script>",
    joinPolicy: "approval",
    owner: "alice",
  });
  groupId = new URL("/@breast-cancer", instance.url).href;
});
afterAll(() => instance?.stop());

async function getJson(url: string | URL, accept = AP) {
  const res = await fetch(url, { headers: { Accept: accept } });
  expect(res.status, `GET ${url}`).toBe(200);
  return { res, json: await res.json() as Record<string, any> };
}

describe("Group actor", () => {
  it("has every field Lemmy's Group has", async () => {
    const { res, json } = await getJson(groupId);
    expect(res.headers.get("content-type")).toContain("application/activity+json");
    expect(json.id).toBe(groupId);
    expect(json.type).toBe("Group");
    expect(json.preferredUsername).toBe("breast-cancer");
    expect(json.name).toBe("Breast cancer support");
    expect(json.summary).toContain("<strong>talk</strong>");
    expect(json.summary).not.toContain("<script>");
    expect(json.source).toEqual({
      content: "A place to **talk**.\n\n<script>alert(1)</script>",
      mediaType: "text/markdown",
    });
    expect(json.mediaType).toBe("text/html");
    expect(json.sensitive).toBe(false);
    expect(json.manuallyApprovesFollowers).toBe(true);
    expect(json.postingRestrictedToMods).toBe(false);
    expect(json.inbox).toBe(`${groupId}/inbox`);
    expect(json.outbox).toBe(`${groupId}/outbox`);
    expect(json.followers).toBe(`${groupId}/followers`);
    expect(json.featured).toBe(`${groupId}/featured`);
    expect(json.attributedTo).toBe(`${groupId}/moderators`);
    expect(json.endpoints.sharedInbox).toBe(new URL("/inbox", instance.url).href);
    expect(json.publicKey.owner).toBe(groupId);
    expect(json.publicKey.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(Date.parse(json.published)).not.toBeNaN();
    // The extension term is defined in the context, so JSON-LD processors
    // (Mbin, Fedify) read it too, not only Lemmy's plain-JSON parser.
    const context = JSON.stringify(json["@context"]);
    expect(context).toContain("postingRestrictedToMods");
  });

  it("is served as the group is now, after a change to it (the built actor is cached)", async () => {
    const db = instance.kindred.database.db;
    expect((await getJson(groupId)).json.name).toBe("Breast cancer support");
    await db.updateTable("groups").set({ name: "Breast cancer support circle", updated_at: new Date() })
      .where("slug", "=", "breast-cancer").execute();
    expect((await getJson(groupId)).json.name).toBe("Breast cancer support circle");
    await db.updateTable("groups").set({ name: "Breast cancer support", updated_at: new Date() })
      .where("slug", "=", "breast-cancer").execute();
    expect((await getJson(groupId)).json.name).toBe("Breast cancer support");
  });

  it("signs with an RSA-2048 key and has an Ed25519 assertion method", async () => {
    const { json } = await getJson(groupId);
    const spki = json.publicKey.publicKeyPem.replace(/-----[^-]+-----|\s/g, "");
    const key = await crypto.subtle.importKey(
      "spki",
      Buffer.from(spki, "base64"),
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      true,
      ["verify"],
    );
    expect((key.algorithm as RsaHashedKeyAlgorithm).modulusLength).toBe(2048);
    const methods = [json.assertionMethod].flat();
    expect(methods.some((m: any) => m.type === "Multikey" && m.publicKeyMultibase.startsWith("z6Mk")))
      .toBe(true);
  });

  it("serves the group page as HTML to browsers at the same URL", async () => {
    const res = await fetch(groupId, { headers: { Accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("Breast cancer support");
    expect(html).toContain(`@breast-cancer@${instance.host}`);
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain('name="robots" content="noindex');
  });

  it("lists its moderators", async () => {
    const { json } = await getJson(`${groupId}/moderators`);
    expect(json.type).toBe("OrderedCollection");
    expect(json.orderedItems).toEqual([new URL("/@alice", instance.url).href]);
  });

  it("has followers, outbox and featured collections", async () => {
    for (const path of ["followers", "outbox", "featured"]) {
      const { json } = await getJson(`${groupId}/${path}`);
      expect(json.type).toMatch(/Collection/);
    }
  });

  it("answers 404 for an unknown actor", async () => {
    const res = await fetch(new URL("/@nobody", instance.url), { headers: { Accept: AP } });
    expect(res.status).toBe(404);
  });
});

describe("WebFinger", () => {
  it("resolves acct:slug@host to the group", async () => {
    const url = new URL("/.well-known/webfinger", instance.url);
    url.searchParams.set("resource", `acct:breast-cancer@${instance.host}`);
    const { json } = await getJson(url, "application/jrd+json");
    expect(json.subject).toBe(`acct:breast-cancer@${instance.host}`);
    const self = json.links.find((l: any) => l.rel === "self");
    expect(self.href).toBe(groupId);
    expect(self.type).toBe("application/activity+json");
  });

  it("resolves members the same way, and a name is never both", async () => {
    const url = new URL("/.well-known/webfinger", instance.url);
    url.searchParams.set("resource", `acct:alice@${instance.host}`);
    const { json } = await getJson(url, "application/jrd+json");
    expect(json.links.find((l: any) => l.rel === "self").href).toBe(new URL("/@alice", instance.url).href);
    await expect(createGroup(instance.kindred.database.db, instance.url, { slug: "alice", name: "Alice's group" }))
      .rejects.toThrow(/already taken/);
    await expect(createAccount(instance.kindred.database.db, instance.url, { username: "breast-cancer", password: "long enough pw" }))
      .rejects.toThrow(/already taken/);
  });

  it("answers 404 for unknown names", async () => {
    const url = new URL("/.well-known/webfinger", instance.url);
    url.searchParams.set("resource", `acct:nobody@${instance.host}`);
    const res = await fetch(url);
    expect(res.status).toBe(404);
  });
});

describe("Person and instance actors", () => {
  it("serves a member as a Person that is not advertised to directories", async () => {
    const { json } = await getJson(new URL("/@alice", instance.url));
    expect(json.type).toBe("Person");
    expect(json.preferredUsername).toBe("alice");
    expect(json.discoverable).toBe(false);
    expect(json.publicKey.publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
  });

  it("has an Application actor for signed fetches", async () => {
    const { json } = await getJson(new URL("/@_instance", instance.url));
    expect(json.type).toBe("Application");
    expect(json.name).toBe("Test Kindred");
    expect(json.publicKey.publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
  });
});

describe("NodeInfo", () => {
  it("links to NodeInfo 2.1 with real usage counts", async () => {
    const { json: links } = await getJson(new URL("/.well-known/nodeinfo", instance.url), "application/json");
    const href = links.links.find((l: any) => String(l.rel).includes("2.1")).href;
    const { json } = await getJson(href, "application/json");
    expect(json.version).toBe("2.1");
    expect(json.software.name).toBe("kindred");
    expect(json.protocols).toEqual(["activitypub"]);
    expect(json.usage.users.total).toBe(1);
    expect(json.usage.users.activeMonth).toBe(1);
    await createAccount(instance.kindred.database.db, instance.url, { username: "bob", password: "another long pw" });
    const { json: after } = await getJson(href, "application/json");
    expect(after.usage.users.total).toBe(2);
  });
});

describe("front page", () => {
  it("lists the groups with links to their pages", async () => {
    const res = await fetch(instance.url, { headers: { Accept: "text/html" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Test Kindred");
    expect(html).toContain('href="/@breast-cancer"');
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
  });
});
