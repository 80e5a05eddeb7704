/**
 * Helpers for tests across live instances: members with API tokens, API
 * calls, and waiting until every instance's queue has drained.
 */
import { sql } from "kysely";
import { expect } from "vitest";
import { createAccount } from "../../src/accounts.ts";
import { logIn } from "../../src/auth.ts";
import { createGroup, type GroupInput } from "../../src/groups.ts";
import type { TestInstance } from "./instance.ts";

export interface Member {
  instance: TestInstance;
  username: string;
  token: string;
  uri: string;
}

export async function createMember(instance: TestInstance, username: string): Promise<Member> {
  const password = `${username} has a long password`;
  await createAccount(instance.kindred.database.db, instance.url, { username, password });
  const token = (await logIn(instance.kindred.database.db, username, password))!;
  return { instance, username, token, uri: new URL(`/@${username}`, instance.url).href };
}

export async function createLocalGroup(instance: TestInstance, input: GroupInput) {
  return await createGroup(instance.kindred.database.db, instance.url, input);
}

/** Calls the JSON API as `member`; returns status and parsed body. */
export async function api(
  member: Member,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const res = await fetch(new URL(`/api/v1${path}`, member.instance.url), {
    method,
    headers: {
      Authorization: `Bearer ${member.token}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** Like `api`, but expects a 2xx answer. */
export async function apiOk(member: Member, method: string, path: string, body?: unknown): Promise<any> {
  const { status, json } = await api(member, method, path, body);
  expect(status, `${method} ${path}: ${JSON.stringify(json)}`).toBeLessThan(300);
  return json;
}

async function busy(instance: TestInstance): Promise<number> {
  // Messages due now or being handled; delayed retries are not waited for.
  const { rows } = await sql<{ n: number }>`
    select cast(count(*) as int) as n from queue_messages
    where deliver_at <= now() or locked_until > now()`.execute(instance.kindred.database.db);
  return rows[0].n;
}

/**
 * Resolves once no instance has queued or running work, twice in a row
 * (a handler on one instance may enqueue work on another).
 */
export async function waitForQueues(instances: TestInstance[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietRounds = 0;
  while (quietRounds < 2) {
    const counts = await Promise.all(instances.map(busy));
    quietRounds = counts.every((n) => n === 0) ? quietRounds + 1 : 0;
    if (Date.now() > deadline) throw new Error(`queues did not drain: ${counts.join(", ")}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
