/**
 * Issue #7: uploaded images cost nothing before authorisation, and little
 * to the event loop after.  Whoever may not post in a group (not a member,
 * or replying to a locked thread) gets their refusal without a single image
 * handed to the decoder (`imagesDecoded()`, the worker's job count, must not
 * move), through the web form and the API; a member's post is decoded (the
 * count moves, the image is stored).  And a member's large photo (12
 * megapixels, about 2 s of decoding) costs the main thread well under
 * 300 ms of CPU: it is decoded in a worker thread (src/image-decoder.ts).
 */
import jpeg from "jpeg-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imagesDecoded } from "../../src/image-decoder.ts";
import { apiOk, createLocalGroup, createMember, type Member, api } from "../helpers/federation.ts";
import { pixels } from "../helpers/images.ts";
import { startInstance, type TestInstance } from "../helpers/instance.ts";
import { csrfToken, WebClient } from "../helpers/web.ts";

let k: TestInstance;
let mia: Member, eve: Member;
let miaWeb: WebClient, eveWeb: WebClient;
let roomId: number, threadId: number, lockedId: number;
/** A 12-megapixel photo: about 2 s of CPU to decode and re-encode. */
let photo: Uint8Array;

beforeAll(async () => {
  k = await startInstance({ LOG_LEVEL: "fatal" });
  [mia, eve] = await Promise.all([createMember(k, "mia"), createMember(k, "eve")]);
  await createLocalGroup(k, { slug: "room", name: "Room", owner: "mia" });
  roomId = (await apiOk(mia, "POST", "/groups/follow", { handle: "room" })).group.id;
  threadId = (await apiOk(mia, "POST", `/groups/${roomId}/threads`, { title: "Hello", body: "First thread." })).post.id;
  lockedId = (await apiOk(mia, "POST", `/groups/${roomId}/threads`, { title: "Closed", body: "No more replies." })).post.id;
  await apiOk(mia, "POST", `/posts/${lockedId}/moderation`, { action: "lock", reason: "Done" });
  miaWeb = new WebClient(k);
  await miaWeb.submit("/login", "/login", { username: "mia", password: "mia has a long password" });
  eveWeb = new WebClient(k);
  await eveWeb.submit("/login", "/login", { username: "eve", password: "eve has a long password" });
  photo = new Uint8Array(jpeg.encode({ width: 4000, height: 3000, data: pixels(4000, 3000) }, 80).data);
}, 120_000);

afterAll(async () => {
  await k?.stop();
});

const fourPhotos = (form: FormData) => {
  for (let n = 1; n <= 4; n++) {
    form.set(`image_${n}`, new Blob([photo as Uint8Array<ArrayBuffer>], { type: "image/jpeg" }), `photo${n}.jpg`);
    form.set(`alt_${n}`, `Photo ${n}`);
  }
  return form;
};
const threadForm = () => {
  const form = new FormData();
  form.set("title", "Look");
  form.set("body", "Four photos.");
  return fourPhotos(form);
};
const replyForm = () => {
  const form = new FormData();
  form.set("body", "Four photos.");
  return fourPhotos(form);
};
const apiImages = () => Array.from({ length: 4 }, (_, i) => ({ data: Buffer.from(photo).toString("base64"), alt: `Photo ${i + 1}` }));

/** Sends a form as `web` would from the page `from`, and checks that nothing was decoded. */
async function refusedUndecoded(send: () => Promise<number>, status: number) {
  const before = imagesDecoded();
  expect(await send()).toBe(status);
  expect(imagesDecoded(), "images handed to the decoder").toBe(before);
}

describe("no image is decoded before every authorisation check has passed", () => {
  it("a signed-in non-member's new thread on the web form", async () => {
    const from = (await eveWeb.get(`/g/${roomId}/new`)).html;
    await refusedUndecoded(async () => (await eveWeb.postMultipart(`/g/${roomId}/new`, threadForm(), from)).status, 403);
  });

  it("a signed-in non-member's reply on the web form", async () => {
    const from = (await eveWeb.get(`/p/${threadId}`)).html;
    await refusedUndecoded(async () => (await eveWeb.postMultipart(`/p/${threadId}/reply`, replyForm(), from)).status, 403);
  });

  it("a non-member's thread and reply through the API", async () => {
    await refusedUndecoded(async () => (await api(eve, "POST", `/groups/${roomId}/threads`, { title: "Look", body: "x", images: apiImages() })).status, 403);
    await refusedUndecoded(async () => (await api(eve, "POST", `/posts/${threadId}/replies`, { body: "x", images: apiImages() })).status, 403);
  });

  it("a member's reply to a locked thread", async () => {
    await apiOk(eve, "POST", "/groups/follow", { handle: "room" });
    const from = (await eveWeb.get(`/p/${threadId}`)).html;
    await refusedUndecoded(async () => (await eveWeb.postMultipart(`/p/${lockedId}/reply`, replyForm(), from)).status, 403);
    await refusedUndecoded(async () => (await api(eve, "POST", `/posts/${lockedId}/replies`, { body: "x", images: apiImages() })).status, 403);
  });

  it("control: a member's post is decoded and stored", async () => {
    const before = imagesDecoded();
    const form = new FormData();
    form.set("title", "One photo");
    form.set("body", "Here it is.");
    form.set("image_1", new Blob([photo as Uint8Array<ArrayBuffer>], { type: "image/jpeg" }), "photo.jpg");
    form.set("alt_1", "A photo");
    const page = await miaWeb.postMultipart(`/g/${roomId}/new`, form, (await miaWeb.get(`/g/${roomId}/new`)).html);
    expect(page.status).toBe(200);
    expect(imagesDecoded()).toBe(before + 1);
    expect(page.html).toMatch(/<img src="\/media\/[^"]+" alt="A photo" width="2048" height="1536"/);
  });
});

/** The main thread's CPU time (Node 23.9+), else the process's. */
const cpuUsage: (previous?: NodeJS.CpuUsage) => NodeJS.CpuUsage =
  (process as { threadCpuUsage?: (p?: NodeJS.CpuUsage) => NodeJS.CpuUsage }).threadCpuUsage?.bind(process) ??
    process.cpuUsage.bind(process);

describe("a member's large photo does not block the event loop", () => {
  it("costs the main thread under 300 ms of CPU, and the event loop keeps turning", async () => {
    const token = csrfToken((await miaWeb.get(`/g/${roomId}/new`)).html);
    const form = new FormData();
    form.set("_csrf", token);
    form.set("title", "Big photo");
    form.set("body", "Twelve megapixels.");
    form.set("image_1", new Blob([photo as Uint8Array<ArrayBuffer>], { type: "image/jpeg" }), "photo.jpg");
    form.set("alt_1", "A big photo");
    const request = new Request(new URL(`/g/${roomId}/new`, k.url), {
      method: "POST",
      headers: { Cookie: [...miaWeb.cookies].map(([n, v]) => `${n}=${v}`).join("; "), Origin: k.url.origin },
      body: form,
    });
    let longestGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 10);
    const before = imagesDecoded();
    const start = cpuUsage();
    const res = await k.kindred.app.fetch(request);
    await res.arrayBuffer();
    const used = cpuUsage(start);
    clearInterval(ticker);
    expect(res.status).toBe(303);
    expect(imagesDecoded()).toBe(before + 1);
    expect((used.user + used.system) / 1000, "main-thread CPU ms").toBeLessThan(300);
    expect(longestGap, "longest pause of a 10 ms timer, ms").toBeLessThan(500);
  });
});
