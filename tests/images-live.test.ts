/**
 * Issue 6, item 5, live: a member attaches images on the web form (multipart,
 * no JavaScript), the thread page shows them, the served file has no
 * metadata and safe headers, a second Kindred receives the `Image`
 * attachments (and shows them as links, never loading them), a bad upload
 * stores nothing, a private group's image is 404 to outsiders, and deleting
 * the post deletes its images.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDomainRule } from "../src/federation-policy.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { contains, laceJpeg, lacePng, SCRIPT, SECRET } from "./helpers/images.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { WebClient } from "./helpers/web.ts";

let a: TestInstance, b: TestInstance;
let mia: Member, bob: Member;
let miaWeb: WebClient;
let openId: number, quietId: number;
const dbA = () => a.kindred.database.db;
const dbB = () => b.kindred.database.db;

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  [mia, bob] = await Promise.all([createMember(a, "mia"), createMember(b, "bob")]);
  await setDomainRule(dbA(), null, b.host, "partner");
  await createLocalGroup(a, { slug: "open-room", name: "Open room", owner: "mia" });
  await createLocalGroup(a, { slug: "quiet-room", name: "Quiet room", owner: "mia", visibility: "private" });
  openId = (await apiOk(mia, "POST", "/groups/follow", { handle: "open-room" })).group.id;
  quietId = (await apiOk(mia, "POST", "/groups/follow", { handle: "quiet-room" })).group.id;
  await apiOk(bob, "POST", "/groups/follow", { handle: new URL("/@open-room", a.url).href });
  await waitForQueues([a, b]);
  miaWeb = new WebClient(a);
  await miaWeb.submit("/login", "/login", { username: "mia", password: "mia has a long password" });
}, 120_000);

afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
});

let threadId: number;
let mediaPaths: string[] = [];

describe("images on the web form", () => {
  it("posts a thread with two images and shows them with their alt text", async () => {
    const form = await miaWeb.get(`/g/${openId}/new`);
    expect(form.html).toContain('enctype="multipart/form-data"');
    const data = new FormData();
    data.set("title", "My new pill organiser");
    data.set("body", "It finally helps with the evening doses.");
    // A JPEG declared as a PNG named .png: the bytes decide.
    data.set("image_1", new Blob([laceJpeg() as Uint8Array<ArrayBuffer>], { type: "image/png" }), "organiser.png");
    data.set("alt_1", "A weekly pill organiser with seven compartments");
    data.set("image_2", new Blob([lacePng() as Uint8Array<ArrayBuffer>], { type: "text/html" }), "chart.html");
    data.set("alt_2", "A chart of my symptoms over a month");
    data.set("image_3", new Blob([]), "");
    const page = await miaWeb.postMultipart(`/g/${openId}/new`, data, form.html);
    expect(page.status).toBe(200);
    threadId = Number(/\/posts\/(\d+)|\/p\/(\d+)/.exec(page.url.pathname)!.slice(1).find(Boolean));
    mediaPaths = [...page.html.matchAll(/<img src="(\/media\/[A-Za-z0-9_-]{22})"/g)].map((m) => m[1]);
    expect(mediaPaths).toHaveLength(2);
    expect(page.html).toContain('alt="A weekly pill organiser with seven compartments"');
    expect(page.html).toMatch(/<img src="\/media\/[^"]+" alt="A chart of my symptoms over a month" width="40" height="30" loading="lazy"/);
  });

  it("serves re-encoded files with no metadata, the exact type and safe headers", async () => {
    const types = [];
    for (const path of mediaPaths) {
      const res = await fetch(new URL(path, a.url));
      expect(res.status).toBe(200);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(contains(bytes, SECRET)).toBe(false);
      expect(contains(bytes, SCRIPT)).toBe(false);
      expect(contains(bytes, "Exif")).toBe(false);
      types.push(res.headers.get("content-type"));
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
      expect(res.headers.get("content-disposition")).toMatch(/^inline; filename="image-[A-Za-z0-9_-]{22}\.(jpg|png)"$/);
      expect(res.headers.get("cache-control")).toBe("public, max-age=300, must-revalidate");
    }
    expect(types).toEqual(["image/jpeg", "image/png"]);
    // The database holds the re-encoded bytes only.
    const rows = await dbA().selectFrom("media").select(["data", "owner_id"]).where("post_id", "=", threadId).execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(contains(row.data!, SECRET)).toBe(false);
    expect((await fetch(new URL("/media/AAAAAAAAAAAAAAAAAAAAAA", a.url))).status).toBe(404);
  });

  it("sends the images as Image attachments; the other Kindred shows them as links", async () => {
    await waitForQueues([a, b]);
    const uri = new URL(`/posts/${threadId}`, a.url).href;
    const res = await fetch(uri, { headers: { Accept: "application/activity+json" } });
    const json = await res.json();
    const attachments = [json.attachment].flat();
    expect(attachments).toHaveLength(2);
    expect(attachments[0]).toMatchObject({
      type: "Image", mediaType: "image/jpeg", name: "A weekly pill organiser with seven compartments", width: 64, height: 48,
    });
    expect(attachments[0].url).toBe(new URL(mediaPaths[0], a.url).href);
    const post = await dbB().selectFrom("posts").select("id").where("uri", "=", uri).executeTakeFirstOrThrow();
    const remote = await dbB().selectFrom("media").select(["remote_url", "alt", "data", "content_type"]).where("post_id", "=", post.id)
      .orderBy("position").execute();
    expect(remote.map((r) => [r.remote_url, r.alt, r.data, r.content_type])).toEqual([
      [new URL(mediaPaths[0], a.url).href, "A weekly pill organiser with seven compartments", null, "image/jpeg"],
      [new URL(mediaPaths[1], a.url).href, "A chart of my symptoms over a month", null, "image/png"],
    ]);
    const page = await new WebClient(b).get(`/p/${post.id}`);
    expect(page.html).toContain(`Image on ${a.host}`);
    expect(page.html).not.toContain(`<img src="${new URL(mediaPaths[0], a.url).href}`);
    expect(page.html).not.toMatch(/<img[^>]+src="http/);
  });

  it("refuses a file that is not an image, or has no alt text, and stores nothing", async () => {
    const before = await dbA().selectFrom("media").select(dbA().fn.countAll().as("n")).executeTakeFirstOrThrow();
    const posts = await dbA().selectFrom("posts").select(dbA().fn.countAll().as("n")).executeTakeFirstOrThrow();
    const form = await miaWeb.get(`/g/${openId}/new`);
    const html = new FormData();
    html.set("title", "Polyglot");
    html.set("body", "Text");
    html.set("image_1", new Blob([`<html>${SCRIPT}</html>`], { type: "image/jpeg" }), "x.jpg");
    html.set("alt_1", "x");
    const refused = await miaWeb.postMultipart(`/g/${openId}/new`, html, form.html);
    expect(refused.status).toBe(422);
    expect(refused.html).toContain("only JPEG and PNG images are accepted");
    const noAlt = new FormData();
    noAlt.set("title", "No alt");
    noAlt.set("body", "Text");
    noAlt.set("image_1", new Blob([lacePng() as Uint8Array<ArrayBuffer>]), "a.png");
    const refused2 = await miaWeb.postMultipart(`/g/${openId}/new`, noAlt, form.html);
    expect(refused2.status).toBe(422);
    expect(refused2.html).toContain("needs a description (alt text)");
    const { status, json } = await api(mia, "POST", `/groups/${openId}/threads`, {
      title: "Too big", body: "Text", images: [{ data: Buffer.from(new Uint8Array(9 * 1024 * 1024)).toString("base64"), alt: "x" }],
    });
    expect(status).toBe(422);
    expect(JSON.stringify(json)).toContain("larger than 8 MB");
    expect(await dbA().selectFrom("media").select(dbA().fn.countAll().as("n")).executeTakeFirstOrThrow()).toEqual(before);
    expect(await dbA().selectFrom("posts").select(dbA().fn.countAll().as("n")).executeTakeFirstOrThrow()).toEqual(posts);
  });
});

describe("a private group's images", () => {
  it("are 404 for a non-member and served to a member", async () => {
    const { post } = await apiOk(mia, "POST", `/groups/${quietId}/threads`, {
      title: "Only for us", body: "A photo of my scar.",
      images: [{ data: Buffer.from(lacePng()).toString("base64"), alt: "A healing scar" }],
    });
    expect(post.images).toHaveLength(1);
    const url = new URL(post.images[0].url);
    expect((await fetch(url)).status).toBe(404);
    const stranger = new WebClient(a);
    await stranger.signUp("nosy");
    expect((await stranger.raw("GET", url.pathname)).status).toBe(404);
    const mine = await miaWeb.raw("GET", url.pathname);
    expect(mine.status).toBe(200);
    expect(mine.headers.get("cache-control")).toBe("private, no-store");
  });
});

describe("deleting", () => {
  it("a post deletes its images", async () => {
    const page = await miaWeb.get(`/p/${threadId}`);
    await miaWeb.post(`/p/${threadId}/delete`, {}, page.html);
    expect(await dbA().selectFrom("media").select("id").where("post_id", "=", threadId).execute()).toEqual([]);
    expect((await fetch(new URL(mediaPaths[0], a.url))).status).toBe(404);
    await waitForQueues([a, b]);
    const uri = new URL(`/posts/${threadId}`, a.url).href;
    const post = await dbB().selectFrom("posts").select("id").where("uri", "=", uri).executeTakeFirstOrThrow();
    expect(await dbB().selectFrom("media").select("id").where("post_id", "=", post.id).execute()).toEqual([]);
  });
});
