/**
 * `kindred seed`: fills an empty instance with fake groups, members,
 * threads and replies (src/seed.ts) for benchmarks and load tests, with a
 * progress bar on stderr.
 */
import { seed } from "../seed.ts";
import type { CliIo } from "./commands.ts";

export const SEED_USAGE = `  seed [--groups N] [--threads N] [--replies N] [--members N]
      Fill an EMPTY instance with fake content for benchmarks (default 1,000 groups, 100,000 threads,
      1,000,000 replies, threads / 10 members); refused when the instance has any post.`;

/** A whole number option, or the default. */
function count(value: string | boolean | undefined, flag: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !/^\d{1,9}$/.test(value.replaceAll("_", ""))) {
    throw new SeedUsage(`${flag} takes a whole number (got "${value}")`);
  }
  return Number(value.replaceAll("_", ""));
}

export class SeedUsage extends Error {}

/** A text progress bar: `[#######.............]  35%  replies 300000/1000000`. */
export function progressBar(done: number, step: string, width = 30): string {
  const filled = Math.round(done * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(done * 100).toFixed(0).padStart(3)}%  ${step}`;
}

export async function runSeed(values: Record<string, string | boolean | undefined>, io: CliIo): Promise<number> {
  const size = {
    groups: count(values.groups, "--groups", 1_000)!,
    threads: count(values.threads, "--threads", 100_000)!,
    replies: count(values.replies, "--replies", 1_000_000)!,
    members: count(values.members, "--members", undefined),
  };
  const started = Date.now();
  const show = io.progress ?? ((line: string) => io.err(line));
  const result = await seed(io.db, io.origin, size, (step, done) => show(progressBar(done, step)));
  io.progress?.(""); // ends the bar's line
  const c = result.counts;
  io.out(`Seeded ${c.groups} groups, ${c.members} members (${c.follows} memberships), ${c.threads} threads, ` +
    `${c.replies} replies and ${c.votes} votes in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  io.out(`Biggest group: ${new URL(`/@${result.bigGroup.slug}`, io.origin).href}`);
  if (result.bigThreadId) io.out(`Thread with 300 replies: ${new URL(`/p/${result.bigThreadId}`, io.origin).href}`);
  return 0;
}
