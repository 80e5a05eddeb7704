/** Helpers shared by the web routes. */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { csrfToken } from "../csrf.ts";
import type { PageInfo } from "../pages/page-info.ts";
import type { NewPost } from "../posts.ts";

export type C = Context<AppEnv>;

/**
 * What the page frame needs.  A visitor without a session gets the pre-login
 * CSRF cookie only on pages with a form for them (`anonymousForm`): reading
 * sets no cookie at all.
 */
/** The page info of a local public group's pages: indexable if the admin allows it. */
export function groupPageInfo(c: C, group: { local: boolean } | undefined): PageInfo {
  return { ...pageInfo(c), indexable: c.var.kindred.indexPublicGroups && group?.local === true };
}

export function pageInfo(c: C, anonymousForm = false): PageInfo {
  const viewer = c.var.viewer;
  return {
    instanceName: c.var.kindred.instanceName,
    viewer: viewer && {
      username: viewer.account.username,
      displayName: viewer.account.display_name,
      unread: viewer.unread,
    },
    csrf: viewer || anonymousForm ? csrfToken(c) : "",
  };
}

/** The submitted form's text fields (files are ignored). */
export async function formFields(c: C): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === "string") fields[key] = value;
  return fields;
}

/** A local path to come back to after logging in; anything else is ignored. */
export function safeNext(value: string | undefined): string {
  return value && /^\/(?![/\\])[\w\-./@?=&%]*$/.test(value) ? value : "/";
}

/** Sends a visitor who is not logged in to the log-in page, and back afterwards. */
export function toLogin(c: C): Response {
  const next = c.req.method === "GET" ? c.req.path : refererPath(c);
  return c.redirect(`/login?next=${encodeURIComponent(safeNext(next ?? "/"))}`, 303);
}

/** The path of a same-origin Referer, if there is a well-formed one. */
export function refererPath(c: C): string | undefined {
  const referer = c.req.header("referer");
  if (!referer || !URL.canParse(referer)) return undefined;
  const url = new URL(referer);
  return url.origin === c.var.kindred.origin.origin ? url.pathname : undefined;
}

/** Ids are Postgres `integer`s: anything else is no id (a 404), not a database error. */
export const MAX_ID = 2_147_483_647;

export function positiveInt(value: string | undefined): number | undefined {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 && n <= MAX_ID ? n : undefined;
}

/**
 * Where a member goes after posting: to the post, told when it awaits
 * review, and shown help at once when it matched crisis language.
 */
export function afterPosting(path: string, post: NewPost): string {
  const query = [post.review_state === "held" ? "held=1" : "", post.crisis ? "crisis=1" : ""].filter(Boolean).join("&");
  const [base, anchor] = path.split("#");
  return `${base}${query ? `?${query}` : ""}${anchor ? `#${anchor}` : ""}`;
}
