/**
 * Two live Kindred instances, both in secure mode (`SECURE_MODE=true`,
 * authorized fetch): a member of B joins a group of A, posts, and replies
 * travel both ways.  Every ActivityPub fetch either side makes (actors,
 * keys, collections, objects) must carry an HTTP signature, and none may
 * be refused: the test watches the `fetch` calls both instances make
 * (they run in this process) and fails on an unsigned one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

interface Fetched {
  method: string;
  url: string;
  signed: boolean;
  status: number;
}

let a: TestInstance, b: TestInstance;
let alice: Member, bob: Member;
let groupUri: string;
const fetched: Fetched[] = [];
const originalFetch = globalThis.fetch;

function wantsActivityPub(headers: Headers): boolean {
  return /application\/(activity|ld)\+json/i.test(headers.get("accept") ?? "");
}

beforeAll(async () => {
  // The instances' outgoing GETs for ActivityPub documents (the test's own
  // requests carry an API token or no ActivityPub Accept, and are left out).
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const record = request.method === "GET" && wantsActivityPub(request.headers) &&
      !request.headers.has("authorization");
    const signed = request.headers.has("signature") || request.headers.has("signature-input");
    const response = await originalFetch(request);
    if (record) fetched.push({ method: request.method, url: request.url, signed, status: response.status });
    return response;
  };
  [a, b] = await Promise.all([startInstance({ SECURE_MODE: "true" }), startInstance({ SECURE_MODE: "true" })]);
  await createLocalGroup(a, { slug: "secure-circle", name: "Secure circle", description: "Peer support." });
  groupUri = new URL("/@secure-circle", a.url).href;
  [alice, bob] = await Promise.all([createMember(a, "alice"), createMember(b, "bob")]);
}, 120_000);
afterAll(async () => {
  globalThis.fetch = originalFetch;
  await Promise.all([a, b].filter(Boolean).map((i) => i.stop()));
});

const both = () => [a, b];

async function threadOn(member: Member, groupId: number, uri: string): Promise<any[] | undefined> {
  const { threads } = await apiOk(member, "GET", `/groups/${groupId}/threads`);
  const root = threads.find((t: any) => t.uri === uri);
  if (!root) return undefined;
  return (await apiOk(member, "GET", `/posts/${root.id}`)).thread;
}

describe("secure mode on both sides", () => {
  it("refuses an unsigned fetch of a group's collections", async () => {
    const res = await originalFetch(`${groupUri}/outbox`, { headers: { Accept: "application/activity+json" } });
    expect(res.status).toBe(401);
  });

  it("lets a member of B join a group of A, post, and exchange replies, with every fetch signed", async () => {
    const joined = await apiOk(bob, "POST", "/groups/follow", { handle: groupUri });
    await waitForQueues(both());
    const bobsGroupId: number = joined.group.id;
    expect((await apiOk(bob, "GET", `/groups/${bobsGroupId}`)).membership).toBe("accepted");
    const alicesGroupId: number = (await apiOk(alice, "POST", "/groups/follow", { handle: "secure-circle" })).group.id;

    const { post: thread } = await apiOk(bob, "POST", `/groups/${bobsGroupId}/threads`, {
      title: "Pacing on bad days",
      body: "What helps you when the fatigue comes back?",
    });
    await waitForQueues(both());
    const onA = await threadOn(alice, alicesGroupId, thread.uri);
    expect(onA?.[0].title).toBe("Pacing on bad days");

    const { post: reply } = await apiOk(alice, "POST", `/posts/${onA![0].id}/replies`, { body: "Short walks, and saying no." });
    await waitForQueues(both());
    const onB = await threadOn(bob, bobsGroupId, thread.uri);
    const replyOnB = onB?.find((p) => p.uri === reply.uri);
    expect(replyOnB?.contentHtml).toContain("Short walks");

    const { post: answer } = await apiOk(bob, "POST", `/posts/${replyOnB.id}/replies`, { body: "Thank you, that helps." });
    await apiOk(bob, "PUT", `/posts/${replyOnB.id}/vote`, { value: 1 });
    await waitForQueues(both());
    const after = await threadOn(alice, alicesGroupId, thread.uri);
    expect(after?.find((p) => p.uri === answer.uri)?.contentHtml).toContain("Thank you");
    expect(after?.find((p) => p.uri === reply.uri)?.likes).toBe(1);

    // Both sides fetched from each other, and every fetch was signed and answered.
    // NodeInfo is server metadata, served to anyone in secure mode too (as
    // Mastodon's authorized fetch does): the followers' software is read unsigned.
    const nodeInfo = (url: string) => /\/(\.well-known\/nodeinfo|nodeinfo\/2\.[01])$/.test(new URL(url).pathname);
    const between = fetched.filter((f) => (f.url.startsWith(a.url.origin) || f.url.startsWith(b.url.origin)) && !nodeInfo(f.url));
    expect(between.some((f) => f.url.startsWith(a.url.origin))).toBe(true);
    expect(between.some((f) => f.url.startsWith(b.url.origin))).toBe(true);
    expect(between.filter((f) => !f.signed).map((f) => f.url)).toEqual([]);
    expect(between.filter((f) => f.status === 401 || f.status === 403).map((f) => `${f.status} ${f.url}`)).toEqual([]);
    // The key behind the signed GETs is cached, not fetched for each (without
    // the cache: once per GET, six times here; two GETs may race the first fetch).
    for (const instance of both()) {
      const keyFetches = between.filter((f) => f.url === new URL("/@_instance#main-key", instance.url).href);
      expect(keyFetches.length, instance.url.href).toBeLessThanOrEqual(2);
    }
  });
});
