/**
 * Joining an approval group across two instances: requests stay pending
 * until a moderator decides (API and CLI), non-members cannot post, and a
 * member who joins late receives replies to older threads, whose roots are
 * fetched from their origin (FEP-f228 backfill).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findAccountByUsername } from "../db/accounts.ts";
import { listNotifications } from "../db/notifications.ts";
import { runCommand } from "../src/cli/commands.ts";
import { api, apiOk, createLocalGroup, createMember, type Member, waitForQueues } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

let a: TestInstance, b: TestInstance;
let alice: Member, erin: Member, bob: Member, dave: Member;
let groupUri: string;
const ids = new Map<Member, number>();

beforeAll(async () => {
  [a, b] = await Promise.all([startInstance(), startInstance()]);
  [alice, erin, bob, dave] = await Promise.all([
    createMember(a, "alice"),
    createMember(a, "erin"),
    createMember(b, "bob"),
    createMember(b, "dave"),
  ]);
  await createLocalGroup(a, {
    slug: "closed-circle",
    name: "Closed circle",
    description: "Approval needed.",
    joinPolicy: "approval",
    owner: "alice",
  });
  groupUri = new URL("/@closed-circle", a.url).href;
}, 120_000);
afterAll(() => Promise.all([a, b].filter(Boolean).map((i) => i.stop())));

const both = () => [a, b];
const membership = async (m: Member) => (await apiOk(m, "GET", `/groups/${ids.get(m)}`)).membership;

describe("an approval group", () => {
  it("lets its owner in at once, and keeps others waiting", async () => {
    const owner = await apiOk(alice, "POST", "/groups/follow", { handle: "closed-circle" });
    expect(owner.state).toBe("accepted");
    ids.set(alice, owner.group.id);
    const local = await apiOk(erin, "POST", "/groups/follow", { handle: "closed-circle" });
    expect(local.state).toBe("pending");
    ids.set(erin, local.group.id);
    for (const m of [bob, dave]) {
      const res = await apiOk(m, "POST", "/groups/follow", { handle: groupUri });
      expect(res.group.approvalRequired).toBe(true);
      ids.set(m, res.group.id);
    }
    await waitForQueues(both());
    expect(await membership(bob)).toBe("pending");
    expect(await membership(dave)).toBe("pending");
  });

  it("does not let a pending member post", async () => {
    const { status, json } = await api(bob, "POST", `/groups/${ids.get(bob)}/threads`, { title: "Hi", body: "Hello" });
    expect(status).toBe(403);
    expect(json.error).toMatch(/join the group/);
  });

  it("shows requests to moderators only", async () => {
    expect((await api(erin, "GET", `/groups/${ids.get(erin)}/requests`)).status).toBe(403);
    const { requests } = await apiOk(alice, "GET", `/groups/${ids.get(alice)}/requests`);
    expect(requests.map((r: any) => r.uri).sort()).toEqual([bob.uri, dave.uri, erin.uri].sort());
  });

  let olderThread: any;

  it("sends the approval to the member's instance", async () => {
    ({ post: olderThread } = await apiOk(alice, "POST", `/groups/${ids.get(alice)}/threads`, {
      title: "Welcome, and our rules",
      body: "Be kind. What is shared here stays here.",
    }));
    await apiOk(alice, "POST", `/posts/${olderThread.id}/replies`, { body: "Introductions go below." });
    const { requests } = await apiOk(alice, "GET", `/groups/${ids.get(alice)}/requests`);
    const bobsRequest = requests.find((r: any) => r.uri === bob.uri);
    await apiOk(alice, "POST", `/groups/${ids.get(alice)}/requests/${bobsRequest.id}/approve`);
    await waitForQueues(both());
    expect(await membership(bob)).toBe("accepted");
  });

  it("sends a rejection decided on the command line", async () => {
    const lines: string[] = [];
    const code = await runCommand(["group", "reject", "closed-circle", dave.uri], {
      db: a.kindred.database.db,
      origin: a.url,
      fedify: () => a.kindred.federation.createContext(a.url, a.kindred.contextData),
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
    });
    expect(lines.join("\n")).toContain("Rejected");
    expect(code).toBe(0);
    await waitForQueues(both());
    expect(await membership(dave)).toBeNull();
    // Dave's own instance tells him.
    const daveAccount = await findAccountByUsername(b.kindred.database.db, "dave");
    const notes = await listNotifications(b.kindred.database.db, daveAccount!.id);
    expect(notes.map((n) => n.kind)).toEqual(["join_rejected"]);
  });

  it("backfills an older thread and its context when a reply to it arrives", async () => {
    // Bob's instance never received the thread: it predates his membership.
    const before = await apiOk(bob, "GET", `/groups/${ids.get(bob)}/threads`);
    expect(before.threads).toEqual([]);
    await apiOk(alice, "POST", `/posts/${olderThread.id}/replies`, { body: "Bob, welcome aboard." });
    await waitForQueues(both());
    const after = await apiOk(bob, "GET", `/groups/${ids.get(bob)}/threads`);
    expect(after.threads.map((t: any) => t.uri)).toEqual([olderThread.uri]);
    const { thread } = await apiOk(bob, "GET", `/posts/${after.threads[0].id}`);
    // The root from its origin, the earlier reply from the thread's context
    // collection (FEP-7888), and the reply that arrived.
    expect(thread.map((p: any) => p.contentHtml)).toEqual([
      expect.stringContaining("What is shared here stays here."),
      expect.stringContaining("Introductions go below."),
      expect.stringContaining("Bob, welcome aboard."),
    ]);
  });

  it("lets the approved member post", async () => {
    await apiOk(bob, "POST", `/groups/${ids.get(bob)}/threads`, { title: "Thank you", body: "Glad to be here." });
    await waitForQueues(both());
    const { threads } = await apiOk(alice, "GET", `/groups/${ids.get(alice)}/threads`);
    expect(threads.map((t: any) => t.title)).toContain("Thank you");
  });
});
