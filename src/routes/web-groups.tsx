/** Group directory, group pages, joining and leaving, starting threads. */
import { countHeldPosts } from "../../db/premoderation.ts";
import { countOpenFeedback } from "../../db/feedback.ts";
import { Hono } from "hono";
import { listGroupThreads, listPinnedGroupThreads, searchGroups, THREAD_SORTS, type ThreadSort } from "../../db/web-groups.ts";
import { listMemberships } from "../../db/web-members.ts";
import { memberTypesOf } from "../../db/member-types.ts";
import { caregiverFacts, chooseGroupMemberType } from "../caregivers.ts";
import { checkMemberType } from "../web-accounts.ts";
import type { Actor, Group } from "../../db/schema.ts";
import { leaveGroup } from "../../federation/member-actions.ts";
import type { AppEnv } from "../app-env.ts";
import { postingLimit } from "../rate-limits.ts";
import { renderMarkdown } from "../markdown.ts";
import { ValidationError } from "../names.ts";
import { ComposePage } from "../pages/compose.tsx";
import type { ComposeValues } from "../pages/post-parts.tsx";
import { DirectoryPage } from "../pages/directory.tsx";
import { GroupPage } from "../pages/group.tsx";
import { groupPageOutcomes } from "../outcomes.ts";
import { groupPath, postPath } from "../pages/page-info.ts";
import { canReadGroupContent, canSeeGroup } from "../group-access.ts";
import { logGroupContentRead, ownsGroup, routeOf } from "../access-log.ts";
import { canModerate, join } from "../membership.ts";
import { isNewHere, welcomeView } from "../onboarding.ts";
import { PersonalDetailsError } from "../oversharing.ts";
import { createThread, type PostInput } from "../posts.ts";
import { formUploads, ImageUploads } from "../images.ts";
import { canHandleReports } from "../reports.ts";
import { findGroupActorById, findGroupByHandle, groupFacts } from "../web-groups.ts";
import { type DirectoryFilters, directoryFilters, searchDirectory } from "../directory.ts";
import { feedLinks } from "./feeds.ts";
import { afterPosting, type C, formFields, groupPageInfo, pageInfo, positiveInt, toLogin } from "./web-common.ts";

const PAGE_SIZE = 25;
const DIRECTORY_PAGE = 100;

/** A group's page: about, membership, one page of threads in the chosen order. */
export async function renderGroup(c: C, actor: Actor, group?: Group): Promise<Response> {
  const { db } = c.var.kindred;
  if (!canSeeGroup(actor, c.var.viewer)) return c.notFound();
  const readable = await canReadGroupContent(c.var.kindred.fedify(), actor, c.var.viewer);
  const sortParam = c.req.query("sort") as ThreadSort | undefined;
  const sort = sortParam && THREAD_SORTS.includes(sortParam) ? sortParam : "active";
  const facts = await groupFacts(c.var.kindred.fedify(), actor, c.var.viewer?.actor, group);
  const viewer = c.var.viewer;
  const moderator = viewer ? await canModerate(c.var.kindred.fedify(), viewer.account, actor) : false;
  const after = c.req.query("after");
  // Threads started by patients, caregivers or supporters; an unknown filter is no filter.
  const filter = memberFilter(c.req.query("member"));
  // A private group's threads are for its members (src/group-access.ts).
  const threads = readable ? await listGroupThreads(db, actor.id, sort, after, PAGE_SIZE + 1, moderator, filter) : [];
  // Pinned threads lead the first page, whatever the order chosen.
  const pinned = after || !readable ? [] : await listPinnedGroupThreads(db, actor.id, moderator, filter);
  const page = threads.slice(0, PAGE_SIZE);
  if (readable && threads.length + pinned.length > 0) {
    await logGroupContentRead(c.var.kindred.fedify(), viewer, actor, { subject: "private_threads", route: routeOf(c.req) });
  }
  const memberTypes = await memberTypesOf(db, [...new Set([...pinned, ...page].map((t) => t.author_id))], actor.id);
  // Opening a caregivers' space makes a group: the owner's and the admins' call (src/caregivers.ts).
  const owner = viewer != null && actor.local &&
    (viewer.account.role === "admin" || await ownsGroup(c.var.kindred.fedify(), viewer.account, actor));
  const caregivers = await caregiverFacts(db, actor, { group, viewer, owner, filter });
  // Just joined: the welcome in full; in the first weeks: where to find it.
  const justJoined = c.req.query("joined") === "1";
  const newMember = viewer && facts.membership === "accepted" && (justJoined || await isNewHere(c.var.kindred.fedify(), actor, viewer.actor.id))
    ? await welcomeView(c.var.kindred.fedify(), actor)
    : undefined;
  const moderation = moderator && actor.local ? { held: await countHeldPosts(db, actor.id), feedback: await countOpenFeedback(db, actor.id) } : undefined;
  const outcomes = viewer && facts.membership === "accepted" ? await groupPageOutcomes(c.var.kindred.fedify(), viewer.account, viewer.actor, actor) : undefined;
  return c.html(
    <GroupPage page={{ ...groupPageInfo(c, actor), feeds: feedLinks(actor, `Threads in ${actor.name ?? actor.username}`, groupPath(actor)) }} facts={facts} threads={[...pinned, ...page]} memberTypes={memberTypes} caregivers={caregivers} sort={sort}
      moderation={moderation} newMember={newMember && { view: newMember, justJoined }} outcomes={outcomes}
      nextCursor={threads.length > PAGE_SIZE ? page[page.length - 1].cursor : undefined} />,
  );
}

function memberFilter(value: string | undefined) {
  try {
    return checkMemberType(value) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Where a member goes on joining: back to the group, which shows a group here's welcome at once (src/onboarding.ts). */
function afterJoining(group: Actor, state: "accepted" | "pending"): string {
  return state === "accepted" && group.local ? `${groupPath(group)}?joined=1` : groupPath(group);
}

/** The compose form's fields, as src/posts.ts takes them. */
export function postInput(f: Record<string, string | undefined>): ComposeValues & PostInput {
  return {
    title: f.title,
    body: f.body,
    summary: f.summary,
    sensitive: f.sensitive === "on",
    confirmPersonalDetails: f.confirm_details === "1",
  };
}

export function webGroupRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/groups", async (c) => {
    const { db, origin } = c.var.kindred;
    const query = c.req.query("q")?.slice(0, 200);
    const viewer = c.var.viewer;
    const mine = viewer ? await listMemberships(db, viewer.actor.id) : [];
    const tagText = c.req.query("tag")?.slice(0, 100) ?? "";
    const languageText = c.req.query("language")?.slice(0, 20) ?? "";
    let filters: DirectoryFilters;
    try {
      filters = directoryFilters(tagText, languageText);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return c.html(
        <DirectoryPage page={pageInfo(c)} host={origin.host} query={query} groups={[]} mine={mine}
          tag={tagText} language={languageText} filterError={error.message} />,
        400,
      );
    }
    // Without a search, a page of DIRECTORY_PAGE groups by name; `after` continues.
    const after = query?.trim() ? undefined : positiveInt(c.req.query("after"));
    const found = await searchDirectory(db, filters, { query, withLocalOnly: viewer != null, after, limit: DIRECTORY_PAGE + 1 });
    const groups = found.local;
    const more = !query?.trim() && groups.length > DIRECTORY_PAGE;
    const shown = groups.slice(0, DIRECTORY_PAGE);
    return c.html(
      <DirectoryPage page={pageInfo(c)} host={origin.host} query={query} groups={shown}
        nextAfter={more ? shown[shown.length - 1].id : undefined}
        mine={mine} welcome={c.req.query("welcome") === "1"}
        tag={filters.tagText} language={filters.language} remote={found.remote.slice(0, DIRECTORY_PAGE)} />,
    );
  });

  app.post("/groups/follow", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const handle = ((await formFields(c)).handle ?? "").trim();
    const ctx = c.var.kindred.fedify();
    const group = await findGroupByHandle(ctx, handle);
    if (!group) {
      const { db, origin } = c.var.kindred;
      return c.html(
        <DirectoryPage page={pageInfo(c)} host={origin.host} groups={await searchGroups(db, undefined, { withLocalOnly: true })}
          mine={await listMemberships(db, viewer.actor.id)} followValue={handle}
          followError={`No group found for “${handle}”. Check the handle, or paste the group's address.`} />,
        404,
      );
    }
    return c.redirect(afterJoining(group, await join(ctx, viewer.actor, group)), 303);
  });

  app.get("/g/:id{[0-9]+}", async (c) => {
    const actor = await findGroupActorById(c.var.kindred.fedify(), positiveInt(c.req.param("id")));
    if (!actor) return c.notFound();
    if (actor.local) return c.redirect(groupPath(actor), 301);
    return await renderGroup(c, actor);
  });

  app.post("/g/:id{[0-9]+}/:op{join|leave}", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const ctx = c.var.kindred.fedify();
    const group = await findGroupActorById(ctx, positiveInt(c.req.param("id")));
    if (!group) return c.notFound();
    if (c.req.param("op") === "join") {
      // The badge to show in this group ("profile": the profile's), checked before joining.
      const memberType = (await formFields(c)).member_type;
      if (memberType != null && memberType !== "profile") checkMemberType(memberType);
      const state = await join(ctx, viewer.actor, group);
      if (memberType != null) await chooseGroupMemberType(c.var.kindred.db, viewer.actor, group, memberType);
      return c.redirect(afterJoining(group, state), 303);
    }
    await leaveGroup(ctx, viewer.actor, group);
    return c.redirect(groupPath(group), 303);
  });

  const compose = (c: C, group: Actor, extra: Partial<Parameters<typeof ComposePage>[0]> = {}) =>
    <ComposePage page={pageInfo(c)} heading={`New thread in ${group.name ?? group.username}`}
      action={`/g/${group.id}/new`} submitLabel="Post thread" withTitle withImages values={{}} cancelHref={groupPath(group)}
      {...extra} />;

  app.get("/g/:id{[0-9]+}/new", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    const group = await findGroupActorById(c.var.kindred.fedify(), positiveInt(c.req.param("id")));
    return group ? c.html(compose(c, group)) : c.notFound();
  });

  app.post("/g/:id{[0-9]+}/new", postingLimit(), async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const ctx = c.var.kindred.fedify();
    const group = await findGroupActorById(ctx, positiveInt(c.req.param("id")));
    if (!group) return c.notFound();
    const f = await formFields(c);
    const input = postInput(f);
    if (f.action === "preview") {
      return c.html(compose(c, group, { values: input, previewHtml: renderMarkdown(input.body ?? "") }));
    }
    try {
      // Decoded by createThread, only once the viewer may post here.
      const images = new ImageUploads(await formUploads(await c.req.parseBody()), c.var.kindred.imageLimits);
      const post = await createThread(ctx, viewer.actor, group, { ...input, images });
      return c.redirect(afterPosting(postPath(post), post), 303);
    } catch (error) {
      if (error instanceof PersonalDetailsError) return c.html(compose(c, group, { values: input, personalDetails: error.details }), 422);
      if (!(error instanceof ValidationError)) throw error;
      return c.html(compose(c, group, { values: input, errors: [error.message] }), 422);
    }
  });

  return app;
}
