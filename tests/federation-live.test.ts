/**
 * Three live Kindred instances, each with its own database, sharing one
 * group's threads (FEP-1b12): follow, post, reply, edit, vote, delete and
 * unfollow, all over real HTTP with signed deliveries.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../src/cli/commands.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

let a: TestInstance, b: TestInstance, c: TestInstance;
let alice: Member, bob: Member, carol: Member;
const groupIds = new Map<Member, number>();
let groupUri: string;

beforeAll(async () => {
  [a, b, c] = await Promise.all([startInstance(), startInstance(), startInstance()]);
  await createLocalGroup(a, { slug: "rare-disease", name: "Rare disease circle", description: "Peer support." });
  groupUri = new URL("/@rare-disease", a.url).href;
  [alice, bob, carol] = await Promise.all([
    createMember(a, "alice"),
    createMember(b, "bob"),
    createMember(c, "carol"),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.all([a, b, c].filter(Boolean).map((i) => i.stop()));
});

const all = () => [a, b, c];

/** The thread as each member's instance shows it: [uri, title or content, deleted][]. */
async function threadAsSeenBy(member: Member, threadUri: string) {
  const { threads } = await apiOk(member, "GET", `/groups/${groupIds.get(member)}/threads`);
  const root = threads.find((t: any) => t.uri === threadUri);
  if (!root) return undefined;
  const { thread } = await apiOk(member, "GET", `/posts/${root.id}`);
  return thread as any[];
}

describe("a group shared by three instances", () => {
  it("gives every member a key of their own, even with equal row ids", async () => {
    const keys = await Promise.all([alice, bob, carol].map(async (m) => {
      const res = await fetch(m.uri, { headers: { Accept: "application/activity+json" } });
      return (await res.json()).publicKey.publicKeyPem;
    }));
    expect(new Set(keys).size).toBe(3);
  });

  it("lets members of all three join", async () => {
    const local = await apiOk(alice, "POST", "/groups/follow", { handle: "rare-disease" });
    expect(local.state).toBe("accepted");
    groupIds.set(alice, local.group.id);
    for (const member of [bob, carol]) {
      const res = await apiOk(member, "POST", "/groups/follow", { handle: groupUri });
      expect(res.group.uri).toBe(groupUri);
      expect(res.group.name).toBe("Rare disease circle");
      groupIds.set(member, res.group.id);
    }
    await waitForQueues(all());
    for (const member of [bob, carol]) {
      const { membership } = await apiOk(member, "GET", `/groups/${groupIds.get(member)}`);
      expect(membership).toBe("accepted");
    }
    const followers = await (await fetch(`${groupUri}/followers`, { headers: { Accept: "application/activity+json" } })).json();
    // Two remote followers and one local: a count, no list of names.
    expect(followers.totalItems).toBe(3);
    expect(followers.orderedItems ?? followers.items ?? []).toEqual([]);
    // Nor do the group's outbox or activities reveal who joined.
    const outbox = await (await fetch(`${groupUri}/outbox`, { headers: { Accept: "application/activity+json" } })).json();
    expect(JSON.stringify(outbox)).not.toContain(bob.uri);
    expect(JSON.stringify(outbox)).not.toContain(carol.uri);
  });

  let threadUri: string;

  it("shows a thread posted on B on all three, announced by the group", async () => {
    const { post } = await apiOk(bob, "POST", `/groups/${groupIds.get(bob)}/threads`, {
      title: "Newly diagnosed: where do I start?",
      body: "My daughter was diagnosed last week. **Any advice** welcome.",
    });
    threadUri = post.uri;
    expect(threadUri.startsWith(b.url.origin)).toBe(true);
    await waitForQueues(all());
    for (const member of [alice, bob, carol]) {
      const thread = await threadAsSeenBy(member, threadUri);
      expect(thread, `as seen by ${member.username}`).toBeDefined();
      expect(thread![0].title).toBe("Newly diagnosed: where do I start?");
      expect(thread![0].contentHtml).toContain("<strong>Any advice</strong>");
      expect(thread![0].author.uri).toBe(bob.uri);
    }
    // Served as plain-JSON readers (Lemmy) expect: full Public IRI, `sensitive`.
    const page = await (await fetch(threadUri, { headers: { Accept: "application/activity+json" } })).json();
    expect(page.type).toBe("Page");
    expect(page.to).toContain("https://www.w3.org/ns/activitystreams#Public");
    expect(page.sensitive).toBe(false);
    expect(page.audience).toBe(groupUri);
    expect(page.context).toBe(`${threadUri}/context`);
    const context = await (await fetch(page.context, { headers: { Accept: "application/activity+json" } })).json();
    expect([context.orderedItems ?? context.items].flat().map((i: any) => i.id)).toEqual([threadUri]);
    const outbox = await (await fetch(`${groupUri}/outbox`, { headers: { Accept: "application/activity+json" } })).json();
    const announces = (outbox.orderedItems ?? []).filter((i: any) => i.type === "Announce");
    expect(announces.length).toBeGreaterThan(0);
    expect(announces.every((i: any) => i.actor === groupUri)).toBe(true);
  });

  it("threads replies from C and A under the right parents, in the same order everywhere", async () => {
    const onCarol = (await threadAsSeenBy(carol, threadUri))!;
    const { post: reply } = await apiOk(carol, "POST", `/posts/${onCarol[0].id}/replies`, {
      body: "We went through this two years ago. Ask for a referral to a specialist centre.",
    });
    await waitForQueues(all());
    const onAlice = (await threadAsSeenBy(alice, threadUri))!;
    const carolsOnA = onAlice.find((p) => p.uri === reply.uri);
    expect(carolsOnA).toBeDefined();
    await apiOk(alice, "POST", `/posts/${carolsOnA.id}/replies`, { body: "Seconding this: the centre helped us too." });
    await waitForQueues(all());

    const views = await Promise.all([alice, bob, carol].map((m) => threadAsSeenBy(m, threadUri)));
    const shapes = views.map((posts) => {
      const byId = new Map(posts!.map((p) => [p.id, p.uri]));
      return posts!.map((p) => [p.uri, p.parentId == null ? null : byId.get(p.parentId)]);
    });
    expect(shapes[0]).toHaveLength(3);
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);
    expect(shapes[0][1]).toEqual([reply.uri, threadUri]);
    expect(shapes[0][2][1]).toBe(reply.uri);
  });

  it("shows the thread as a page to browsers at the thread's id", async () => {
    const res = await fetch(threadUri, { headers: { Accept: "text/html" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Newly diagnosed: where do I start?");
    expect(html).toContain("Ask for a referral to a specialist centre.");
    expect(html).toContain("the centre helped us too");
    expect(html).toContain(`@carol@${c.host}`);
  });

  it("propagates edits by the author", async () => {
    const onBob = (await threadAsSeenBy(bob, threadUri))!;
    await apiOk(bob, "PATCH", `/posts/${onBob[0].id}`, {
      title: "Newly diagnosed (rare metabolic disorder): where do I start?",
      body: "My daughter was diagnosed last week. Any advice welcome. *Edited: added the diagnosis.*",
    });
    await waitForQueues(all());
    for (const member of [alice, carol]) {
      const thread = (await threadAsSeenBy(member, threadUri))!;
      expect(thread[0].title).toBe("Newly diagnosed (rare metabolic disorder): where do I start?");
      expect(thread[0].contentHtml).toContain("<em>Edited: added the diagnosis.</em>");
      expect(thread[0].updated).not.toBeNull();
    }
  });

  it("refuses edits by anyone but the author", async () => {
    const onCarol = (await threadAsSeenBy(carol, threadUri))!;
    const { status } = await api(carol, "PATCH", `/posts/${onCarol[0].id}`, { body: "hijacked" });
    expect(status).toBe(403);
  });

  it("counts votes everywhere, and takes them back", async () => {
    const onAlice = (await threadAsSeenBy(alice, threadUri))!;
    await apiOk(alice, "PUT", `/posts/${onAlice[0].id}/vote`, { value: 1 });
    const onCarol = (await threadAsSeenBy(carol, threadUri))!;
    await apiOk(carol, "PUT", `/posts/${onCarol[0].id}/vote`, { value: 1 });
    await waitForQueues(all());
    for (const member of [alice, bob, carol]) {
      expect((await threadAsSeenBy(member, threadUri))![0].likes, member.username).toBe(2);
    }
    await apiOk(carol, "PUT", `/posts/${onCarol[0].id}/vote`, { value: -1 });
    await waitForQueues(all());
    for (const member of [alice, bob, carol]) {
      const root = (await threadAsSeenBy(member, threadUri))![0];
      expect([root.likes, root.dislikes], member.username).toEqual([1, 1]);
    }
    await apiOk(carol, "PUT", `/posts/${onCarol[0].id}/vote`, { value: 0 });
    await waitForQueues(all());
    for (const member of [alice, bob, carol]) {
      const root = (await threadAsSeenBy(member, threadUri))![0];
      expect([root.likes, root.dislikes], member.username).toEqual([1, 0]);
    }
  });

  it("deletes everywhere, leaving a tombstone that keeps the thread's shape", async () => {
    const onCarol = (await threadAsSeenBy(carol, threadUri))!;
    const mine = onCarol.find((p) => p.author.uri === carol.uri);
    await apiOk(carol, "DELETE", `/posts/${mine.id}`);
    await waitForQueues(all());
    for (const member of [alice, bob, carol]) {
      const thread = (await threadAsSeenBy(member, threadUri))!;
      const gone = thread.find((p) => p.uri === mine.uri);
      expect(gone.deleted, member.username).toBe(true);
      expect(gone.contentHtml).toBe("");
      expect(thread).toHaveLength(3);
    }
    const res = await fetch(mine.uri, { headers: { Accept: "application/activity+json" } });
    expect(res.status).toBe(410);
    expect((await res.json()).type).toBe("Tombstone");
  });

  it("sends group changes to the followers' instances", async () => {
    const code = await runCommand(["group", "update", "rare-disease", "--name", "Rare disease circle (UK)"], {
      db: a.kindred.database.db,
      origin: a.url,
      fedify: () => a.kindred.federation.createContext(a.url, a.kindred.contextData),
      out: () => {},
      err: () => {},
    });
    expect(code).toBe(0);
    await waitForQueues(all());
    for (const member of [bob, carol]) {
      const { group } = await apiOk(member, "GET", `/groups/${groupIds.get(member)}`);
      expect(group.name, member.username).toBe("Rare disease circle (UK)");
    }
  });

  it("delivers nothing more after an unfollow", async () => {
    await apiOk(carol, "POST", `/groups/${groupIds.get(carol)}/leave`);
    await waitForQueues(all());
    const { post } = await apiOk(bob, "POST", `/groups/${groupIds.get(bob)}/threads`, {
      title: "Second thread",
      body: "Only for those still here.",
    });
    await waitForQueues(all());
    expect(await threadAsSeenBy(alice, post.uri)).toBeDefined();
    expect(await threadAsSeenBy(carol, post.uri)).toBeUndefined();
  });
});
