/**
 * The error an inbox handler throws to refuse an activity: the inbox
 * wrapper (federation/inbox.ts) logs it and does not rethrow, so Fedify
 * does not retry a refusal.
 */
export class RefusedError extends Error {
  override name = "RefusedError";
}
