/**
 * The oversharing guard at posting time (issue #6): a local member's post,
 * reply or edit that contains personal details (policy/oversharing.ts) is
 * not published until its author has seen them and confirmed.  Remote posts
 * arriving by federation are not checked here: their authors were asked (or
 * not) by their own server.
 */
import type { Actor } from "../db/schema.ts";
import {
  detectPersonalDetails,
  PERSONAL_DETAIL_LABELS,
  type PersonalDetail,
} from "../policy/oversharing.ts";
import { ValidationError } from "./names.ts";

/** A detail found in one field of the post; offsets are within that field. */
export type FoundDetail = PersonalDetail & { field: "title" | "body" | "summary" };

/** Thrown instead of publishing: what was found, for the compose page or the API's 422 answer. */
export class PersonalDetailsError extends ValidationError {
  constructor(readonly details: FoundDetail[]) {
    super(
      "body",
      `This post seems to contain personal details (${
        details.map((d) => `${PERSONAL_DETAIL_LABELS[d.kind]}: ${d.text}`).join("; ")
      }). Edit it, or confirm that you want to post it anyway.`,
    );
  }
}

/** The author's own names, which are never reported as someone else's. */
export function ownNames(author: Actor): string[] {
  return [author.username, author.name].filter((n): n is string => typeof n === "string" && n.trim() !== "");
}

/** Every personal detail in a post's title, content warning and text. */
export function findPersonalDetails(
  author: Actor,
  fields: { title?: string | null; summary?: string | null; body?: string | null },
): FoundDetail[] {
  const names = ownNames(author);
  return (["title", "summary", "body"] as const).flatMap((field) =>
    detectPersonalDetails(fields[field] ?? "", undefined, { ownNames: names }).map((d) => ({ ...d, field }))
  );
}

/** Throws {@link PersonalDetailsError} when the post has personal details and the author has not confirmed. */
export function checkPersonalDetails(
  author: Actor,
  fields: { title?: string | null; summary?: string | null; body?: string | null },
  confirmed: boolean,
): void {
  if (confirmed) return;
  const details = findPersonalDetails(author, fields);
  if (details.length > 0) throw new PersonalDetailsError(details);
}
