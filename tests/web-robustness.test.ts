/**
 * Bad ids, cursors and headers get a 404 or a clear refusal, never a 500;
 * votes, like posts, are for members.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiOk, createLocalGroup, createMember, type Member } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

let a: TestInstance;
let member: Member, outsider: Member;
let threadId: number;

beforeAll(async () => {
  a = await startInstance();
  [member, outsider] = await Promise.all([createMember(a, "member"), createMember(a, "outsider")]);
  await createLocalGroup(a, { slug: "sleep", name: "Sleep" });
  const { group } = await apiOk(member, "POST", "/groups/follow", { handle: "sleep" });
  ({ post: { id: threadId } } = await apiOk(member, "POST", `/groups/${group.id}/threads`, { title: "T", body: "B" }));
});
afterAll(() => a?.stop());

describe("robustness", () => {
  it("refuses votes from someone who is not a member", async () => {
    const { status } = await api(outsider, "PUT", `/posts/${threadId}/vote`, { value: 1 });
    expect(status).toBe(403);
    const { thread } = await apiOk(member, "GET", `/posts/${threadId}`);
    expect(thread[0].likes).toBe(0);
  });

  it("answers 404 for ids beyond the database's range, and 422 in the API", async () => {
    for (const path of ["/g/99999999999", "/p/99999999999", "/g/0"]) {
      const res = await fetch(new URL(path, a.url));
      expect(res.status, path).toBe(404);
    }
    expect((await api(member, "GET", "/posts/99999999999")).status).toBe(422);
  });

  it("ignores a cursor it did not make", async () => {
    for (const after of ["1,99999999999", "2024-13-45T00:00:00.000000Z,1", "x"]) {
      const res = await fetch(new URL(`/@sleep?after=${encodeURIComponent(after)}`, a.url));
      expect(res.status, after).toBe(200);
    }
  });

  it("survives a malformed Referer header", async () => {
    const res = await fetch(new URL("/settings/password", a.url), {
      method: "POST",
      headers: { Referer: "::not a url::", "Content-Type": "application/x-www-form-urlencoded" },
      body: "x=1",
    });
    expect(res.status).toBeLessThan(500);
  });
});
