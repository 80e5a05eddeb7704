/**
 * Mentions: a member named in a post (`@name` or `@name@this-host`) is
 * notified once; the author, other hosts' names and unknown names are not.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findAccountByUsername } from "../db/accounts.ts";
import { listNotifications } from "../db/notifications.ts";
import { apiOk, createLocalGroup, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

let a: TestInstance;
let alice: Member, erin: Member, finn: Member;
let groupId: number;

const kinds = async (username: string) => {
  const account = await findAccountByUsername(a.kindred.database.db, username);
  return (await listNotifications(a.kindred.database.db, account!.id)).map((n) => [n.kind, n.thread_title]);
};

beforeAll(async () => {
  a = await startInstance();
  [alice, erin, finn] = await Promise.all(["alice", "erin", "finn"].map((n) => createMember(a, n)));
  await createLocalGroup(a, { slug: "fatigue", name: "Fatigue" });
  for (const m of [alice, erin, finn]) groupId = (await apiOk(m, "POST", "/groups/follow", { handle: "fatigue" })).group.id;
});
afterAll(() => a?.stop());

describe("mentions", () => {
  it("notifies the members a new thread names, and no one else", async () => {
    await apiOk(alice, "POST", `/groups/${groupId}/threads`, {
      title: "Night shifts",
      body: `@erin, you asked about this. Also @finn@${a.host}, @alice (me), @finn@elsewhere.example, @nobody and me@example.org.`,
      // The oversharing guard asks about the email address; the author confirms.
      confirmPersonalDetails: true,
    });
    expect(await kinds("erin")).toEqual([["mention", "Night shifts"]]);
    expect(await kinds("finn")).toEqual([["mention", "Night shifts"]]);
    expect(await kinds("alice")).toEqual([]);
  });

  it("does not notify twice when a reply both answers and names the author", async () => {
    const { threads } = await apiOk(erin, "GET", `/groups/${groupId}/threads`);
    await apiOk(erin, "POST", `/posts/${threads[0].id}/replies`, { body: "Thanks @alice!" });
    expect(await kinds("alice")).toEqual([["reply", "Night shifts"]]);
  });
});
