/**
 * The attack corpus's common frame (tests/security/): one harnessed instance
 * per file with a local group and a remote thread in it, and the checks every
 * case ends with: the status, nothing changed, the server still answers.
 */
import { expect } from "vitest";
import { type ConformanceHarness, type Scenario, startHarnessedInstance } from "../conformance/harness.ts";
import { LEMMY_CONTEXT } from "../conformance/load.ts";
import { type Snapshot, snapshot } from "../conformance/outcomes.ts";
import { waitForQueues } from "./federation.ts";
import type { TestInstance } from "./instance.ts";

export const E = "https://enterprise.lemmy.ml";
export const DS9 = "https://ds9.lemmy.ml";
export const MAIN = `${E}/c/main`;
export const ALPHA = `${DS9}/u/lemmy_alpha`;
export const BETA = `${E}/u/lemmy_beta`;
export const THREAD = `${DS9}/post/1`;

export interface Target {
  instance: TestInstance;
  harness: ConformanceHarness;
  /** A local group `main` with lemmy_alpha's thread `post/1` in it. */
  s: Scenario;
  stop(): Promise<void>;
}

export async function startTarget(env: Record<string, string> = {}): Promise<Target> {
  const { instance, harness, stop } = await startHarnessedInstance(env);
  const s = await harness.scenario({ family: "lemmy-1.0", local: { [MAIN]: "group" } });
  expect(await s.replay("activities/create_or_update/create_page.json")).toBe(202);
  return { instance, harness, s, stop };
}

let likes = 0;
/** A Like of the thread by `actor` with an id never used before (written with original URIs). */
export function freshLike(actor = ALPHA) {
  return { "@context": LEMMY_CONTEXT, id: `${actor}#attack-like-${++likes}`, type: "Like", actor, object: THREAD };
}

/** Sends a request, waits for the queue; returns the status. */
export async function probe(target: Target, request: Request): Promise<number> {
  const res = await fetch(request);
  await res.text();
  await waitForQueues([target.instance]);
  return res.status;
}

/** The snapshot before, to compare with {@link unchangedAndAlive}. */
export function before(target: Target): Promise<Snapshot> {
  return snapshot(target.s);
}

/** Nothing changed, no handler left a retry behind, and the instance answers. */
export async function unchangedAndAlive(target: Target, was: Snapshot): Promise<void> {
  expect(await snapshot(target.s)).toEqual(was);
  expect(await target.harness.pendingRetries()).toBe(0);
  expect((await fetch(new URL("/healthz", target.instance.url))).status).toBe(200);
}
