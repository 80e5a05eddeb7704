/**
 * Seeds an empty instance with realistic fake content for benchmarks and
 * tests (issue #8, item 5): groups, members (local and remote), memberships,
 * threads, nested replies, votes, with every counter and trigger-maintained
 * row as the app would have left it.  Set-based SQL (INSERT … SELECT over
 * generate_series, in chunks for progress), the same on PostgreSQL and
 * PGlite.  `kindred seed` (src/cli/commands.ts), bench/reads.ts and
 * tests/query-plans.test.ts use it.
 *
 * Shape: the first group (`seed-big`) holds a tenth of the threads and one
 * thread with exactly 300 replies (the most recently active); the other
 * threads are spread evenly over all groups, and the other replies evenly
 * over the other threads, every second reply answering the one before it
 * (depth 2).  Half the members are local accounts (no password: they cannot
 * log in), half remote actors on 100 servers.  Group keys are not generated
 * (federation/keys.ts makes them on first use).
 */
import { type Kysely, sql } from "kysely";
import type { Schema } from "../db/schema.ts";
import { localActorUri } from "../federation/local-actors.ts";
import { localPostUri } from "../federation/objects.ts";
import { ValidationError } from "./names.ts";

export interface SeedSize {
  groups: number;
  threads: number;
  replies: number;
  /** Members (half local accounts, half remote actors); default threads / 10, at least 20. */
  members?: number;
}

export interface SeedResult {
  /** Slug and actor id of the biggest group. */
  bigGroup: { slug: string; actorId: number };
  /** The thread with exactly 300 replies (when `replies` >= 300). */
  bigThreadId: number | undefined;
  /** A local member with notifications (replies to their posts). */
  localMember: { username: string; accountId: number; actorId: number };
  counts: { groups: number; members: number; threads: number; replies: number; follows: number; votes: number };
}

/** Called after each step: what it did, and how far the whole seed is (0 to 1). */
export type SeedProgress = (step: string, done: number) => void;

export const BIG_THREAD_REPLIES = 300;
const CHUNK = 50_000;

// Vocabulary for names and text; no apostrophes (they go into SQL literals).
const CONDITIONS = [
  "Long COVID", "ME/CFS", "Type 1 diabetes", "Type 2 diabetes", "Crohn and colitis", "Multiple sclerosis",
  "Parkinson", "Breast cancer", "Prostate cancer", "Bowel cancer", "Lung cancer", "Epilepsy", "Migraine",
  "Endometriosis", "Fibromyalgia", "Lupus", "Rheumatoid arthritis", "Psoriasis", "Asthma", "COPD",
  "Heart failure", "Stroke recovery", "Kidney disease", "Dialysis", "Transplant", "Cystic fibrosis",
  "Sickle cell", "Haemophilia", "Dementia carers", "Autism parents", "ADHD adults", "Bipolar", "Depression",
  "Anxiety", "Eating disorders", "Chronic pain", "Tinnitus", "Hearing loss", "Sight loss", "Rare diseases",
];
const KINDS = ["support", "carers", "newly diagnosed", "young adults", "parents", "peer circle", "research news", "living well"];
const OPENINGS = [
  "Has anyone tried", "I wanted to share my experience with", "Question about", "Feeling low about",
  "Good news about", "Tips for coping with", "Struggling with", "Does anyone else get", "Update on",
  "Looking for advice on",
];
const TOPICS = [
  "the new medication", "sleep", "fatigue after appointments", "going back to work", "telling family",
  "the waiting list", "side effects", "diet changes", "physiotherapy", "brain fog", "benefits forms",
  "pacing", "a second opinion", "flare ups", "exercise", "travel insurance", "the clinic letter",
  "support at school", "night sweats", "pain relief",
];
const SENTENCES = [
  "It took a few weeks before I noticed any difference.", "My specialist suggested keeping a diary first.",
  "Some days are much better than others.", "I found it helped to pace things and rest before I needed to.",
  "The nurse on the helpline was really kind.", "Thank you all for being here, it helps to know I am not alone.",
  "I would ask your GP about it before changing anything.", "We had the same question last year.",
  "Small steps made the biggest difference for me.", "I am still waiting to hear back from the hospital.",
  "The side effects settled down after about a month.", "Writing things down before the appointment helped a lot.",
  "My partner came with me and that made it easier.", "Has anyone found a good way to explain this to friends?",
  "I tried that too and it did not suit me, but everyone is different.", "Sending you strength today.",
];

/** SQL for element `n` (an integer expression, cycling) of a literal text array. */
const pick = (words: string[], n: string) =>
  sql.raw(`(array[${words.map((w) => `'${w.replaceAll("'", "''")}'`).join(",")}])[1 + ((${n}) % ${words.length})]`);

function check(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ValidationError(name, `${name} must be a whole number from ${min} to ${max} (got ${value})`);
  }
  return value;
}

/** Validates a seed size; throws ValidationError naming the bad value. */
export function checkSeedSize(size: SeedSize): Required<SeedSize> {
  const groups = check("groups", size.groups, 1, 100_000);
  const threads = check("threads", size.threads, 2, 10_000_000);
  const replies = check("replies", size.replies, 0, 100_000_000);
  const members = check("members", size.members ?? Math.max(20, Math.floor(threads / 10)), 2, 10_000_000);
  return { groups, threads, replies, members };
}

export async function seed(db: Kysely<Schema>, origin: URL, size: SeedSize, progress: SeedProgress = () => {}): Promise<SeedResult> {
  const { groups: G, threads: T, replies: R, members: M } = checkSeedSize(size);
  const { rows: existing } = await sql<{ n: number }>`select count(*)::int as n from posts`.execute(db);
  if (existing[0].n > 0) {
    throw new ValidationError("database", `seed fills an empty instance; this one already has ${existing[0].n} posts`);
  }
  const { rows: taken } = await sql<{ name: string }>`
    select name from local_names where name like 'seed-%' limit 1`.execute(db);
  if (taken.length > 0) throw new ValidationError("database", `names starting with "seed-" are taken (${taken[0].name})`);

  const local = Math.ceil(M / 2);
  const bigReplies = R >= BIG_THREAD_REPLIES ? BIG_THREAD_REPLIES : 0;
  const otherReplies = R - bigReplies;
  // Work units for the progress fraction: rows written.
  const total = G + M + T + R + 1;
  let done = 0;
  const step = (what: string, rows: number) => progress(what, Math.min(1, (done += rows) / total));
  const host = origin.host;
  const actorUri = (name: string) => localActorUri(origin, name).href;
  const prefix = actorUri("seed-"); // …/@seed-
  const postPrefix = localPostUri(origin, 0, false).href.replace(/0$/, "");
  const commentPrefix = localPostUri(origin, 0, true).href.replace(/0$/, "");
  const inbox = new URL("/inbox", origin).href;

  return await db.connection().execute(async (conn) => {
    // Groups: name, slug, description, then their actors.
    await sql`
      insert into local_names (name, kind) select 'seed-' || case when i = 1 then 'big' else 'g' || i end, 'group'
      from generate_series(1, ${G}::int) as i`.execute(conn);
    await sql`
      insert into groups (slug, name, summary_source, summary_html, join_policy, visibility)
      select slug, name, d, '<p>' || d || '</p>', case when i % 7 = 0 then 'approval' else 'open' end,
             case when i % 50 = 49 then 'local' when i % 10 = 9 then 'private' else 'public' end
      from (select i, 'seed-' || case when i = 1 then 'big' else 'g' || i end as slug,
                   ${pick(CONDITIONS, "i")} || ' ' || ${pick(KINDS, "i / 40")} || case when i > 320 then ' ' || i else '' end as name,
                   'Peer support for people living with ' || lower(${pick(CONDITIONS, "i")}) || ', and the people around them. '
                     || ${pick(SENTENCES, "i")} as d
            from generate_series(1, ${G}::int) as i) s`.execute(conn);
    await sql`
      insert into actors (uri, type, local, group_id, username, host, name, summary_html, url, inbox_url,
                          shared_inbox_url, followers_url, outbox_url, featured_url, moderators_url,
                          manually_approves_followers, visibility)
      select ${prefix} || substr(g.slug, 6), 'Group', true, g.id, g.slug, ${host}, g.name, g.summary_html,
             ${prefix} || substr(g.slug, 6), ${prefix} || substr(g.slug, 6) || '/inbox', ${inbox},
             ${prefix} || substr(g.slug, 6) || '/followers', ${prefix} || substr(g.slug, 6) || '/outbox',
             ${prefix} || substr(g.slug, 6) || '/featured', ${prefix} || substr(g.slug, 6) || '/moderators',
             g.join_policy = 'approval' or g.visibility = 'private', g.visibility
      from groups g where g.slug like 'seed-%'`.execute(conn);
    await sql`create temp table seed_groups (n int primary key, actor_id int not null)`.execute(conn);
    await sql`
      insert into seed_groups select row_number() over (order by a.id), a.id
      from actors a join groups g on g.id = a.group_id where g.slug like 'seed-%'`.execute(conn);
    step("groups", G);

    // Members: local accounts with their actors, then remote actors.
    await sql`
      insert into local_names (name, kind) select 'seed-m' || i, 'account' from generate_series(1, ${local}::int) as i`
      .execute(conn);
    await sql`
      insert into accounts (username, display_name, member_type, created_at, last_active_at)
      select 'seed-m' || i, ${pick(["Sam", "Alex", "Jo", "Priya", "Tom", "Aisha", "Maria", "Chen", "Ola", "Kim"], "i")} || ' ' || i,
             (array['patient', 'caregiver', 'supporter', null])[1 + i % 4],
             now() - (i % 700 || ' days')::interval, now() - (i % 30 || ' days')::interval
      from generate_series(1, ${local}::int) as i`.execute(conn);
    await sql`
      insert into actors (uri, type, local, account_id, username, host, name, url, inbox_url, shared_inbox_url,
                          followers_url, outbox_url, member_type)
      select ${prefix} || substr(a.username, 6), 'Person', true, a.id, a.username, ${host}, a.display_name,
             ${prefix} || substr(a.username, 6), ${prefix} || substr(a.username, 6) || '/inbox', ${inbox},
             ${prefix} || substr(a.username, 6) || '/followers', ${prefix} || substr(a.username, 6) || '/outbox',
             a.member_type
      from accounts a where a.username like 'seed-m%'`.execute(conn);
    await sql`
      insert into actors (uri, type, local, username, host, name, url, inbox_url, shared_inbox_url)
      select 'https://peer' || (i % 100) || '.example/users/member' || i, 'Person', false, 'member' || i,
             'peer' || (i % 100) || '.example', ${pick(["River", "Robin", "Ash", "Noor", "Lee", "Sol", "Kai", "Mo"], "i")} || ' ' || i,
             'https://peer' || (i % 100) || '.example/@member' || i, 'https://peer' || (i % 100) || '.example/users/member' || i || '/inbox',
             'https://peer' || (i % 100) || '.example/inbox'
      from generate_series(1, ${M - local}::int) as i`.execute(conn);
    await sql`create temp table seed_members (n int primary key, actor_id int not null, local boolean not null)`.execute(conn);
    // Local and remote members alternate, so that every spread below mixes both.
    await sql`
      insert into seed_members
      select row_number() over (order by k), id, local from (
        select a.id, a.local, (row_number() over (partition by a.local order by a.id)) * 2 - case when a.local then 1 else 0 end as k
        from actors a
        where (a.local and a.username like 'seed-m%') or (not a.local and a.host like 'peer%.example' and a.username like 'member%')
      ) s`.execute(conn);
    step("members", M);

    // Memberships: each member in two groups, every fifth also in the big
    // group (the count trigger of migration 0019 keeps follower_count);
    // owners; a few pending requests.
    await sql`
      insert into follows (follower_id, followee_id, state, created_at)
      select m.actor_id, g.actor_id, case when m.n % 97 = 0 then 'pending' else 'accepted' end, now() - (m.n % 300 || ' days')::interval
      from seed_members m
      join lateral (select distinct x from unnest(array[1 + m.n % ${G}::int, 1 + (m.n * 7) % ${G}::int,
                      case when m.n % 5 = 0 then 1 else 1 + m.n % ${G}::int end]) as x) k on true
      join seed_groups g on g.n = k.x`.execute(conn);
    await sql`
      insert into group_staff (group_actor_id, actor_id, role)
      select g.actor_id, m.actor_id, 'owner' from seed_groups g
      join seed_members m on m.n = 1 + ((g.n * 2 - 2) % ${M}::int)`.execute(conn);

    // Threads: ids drawn from the posts sequence up front, so that replies
    // can name their parents in the same statement.
    const { rows: base } = await sql<{ id: number }>`select coalesce(max(id), 0)::int + 1 as id from posts`.execute(conn);
    const t0 = base[0].id; // thread i (1..T) has id t0 + i - 1; thread 1 is the big one
    const r0 = t0 + T; // reply j (0..R-1) has id r0 + j
    for (let from = 1; from <= T; from += CHUNK) {
      const to = Math.min(T, from + CHUNK - 1);
      // Thread i: in the big group when i % 10 = 1, else spread; published over the past year.
      await sql`
        insert into posts (id, uri, group_id, author_id, title, content_html, source, local, published_at, last_activity_at)
        select ${t0}::int + i - 1, case when m.local then ${postPrefix} || (${t0}::int + i - 1)
                                   else 'https://peer' || (m.n % 100) || '.example/post/' || i end,
               g.actor_id, m.actor_id, title, '<p>' || body || '</p>', body, m.local, at, at
        from (select i, ${pick(OPENINGS, "i")} || ' ' || ${pick(TOPICS, "i / 10")} as title,
                     ${pick(SENTENCES, "i")} || ' ' || ${pick(SENTENCES, "i / 16 + 3")} || ' ' || ${pick(SENTENCES, "i / 256 + 7")} as body,
                     case when i = 1 then now() - interval '2 days'
                          else now() - ((${T}::int - i + 1) * (365.0 * 86400 / ${T}::int) || ' seconds')::interval end as at,
                     case when i % 10 = 1 then 1 else 1 + (i * 13) % ${G}::int end as gn,
                     1 + (i * 31) % ${M}::int as mn
              from generate_series(${from}::int, ${to}::int) as i) s
        join seed_groups g on g.n = s.gn join seed_members m on m.n = s.mn`.execute(conn);
      step(`threads ${to}/${T}`, to - from + 1);
    }

    // Replies: the big thread's first, then the others: reply j goes to
    // thread 2 + (j - B) % (T - 1), its k-th; an odd k answers reply k - 1.
    const others = Math.max(1, T - 1);
    for (let from = 0; from < R; from += CHUNK) {
      const to = Math.min(R, from + CHUNK) - 1;
      await sql`
        insert into posts (id, uri, group_id, author_id, parent_id, thread_id, depth, content_html, source, local,
                           published_at, last_activity_at)
        select ${r0}::int + j, case when m.local then ${commentPrefix} || (${r0}::int + j)
                               else 'https://peer' || (m.n % 100) || '.example/comment/' || j end,
               t.group_id, m.actor_id, case when parent_j is null then t.id else ${r0}::int + parent_j end, t.id,
               case when parent_j is null then 1 else 2 end, '<p>' || body || '</p>', body, m.local, at, at
        from (select j, ti, body, mn, parent_j,
                     case when j < ${bigReplies}::int then now() - (${bigReplies}::int - j) * interval '1 minute'
                          else null end as big_at, k
              from (select j,
                           case when j < ${bigReplies}::int then 1 else 2 + (j - ${bigReplies}::int) % ${others}::int end as ti,
                           case when j < ${bigReplies}::int then j else (j - ${bigReplies}::int) / ${others}::int end as k,
                           ${pick(SENTENCES, "j * 7")} || ' ' || ${pick(SENTENCES, "j / 3 + 5")} as body,
                           1 + (j * 17 + 5) % ${M}::int as mn,
                           case when j < ${bigReplies}::int then case when j % 2 = 1 then j - 1 end
                                when ((j - ${bigReplies}::int) / ${others}::int) % 2 = 1 then j - ${others}::int end as parent_j
                    from generate_series(${from}::int, ${to}::int) as j) s0) s
        join posts t on t.id = ${t0}::int + s.ti - 1
        join seed_members m on m.n = s.mn
        cross join lateral (select coalesce(s.big_at,
          least(now() - interval '1 minute', t.published_at + (s.k + 1) * interval '37 minutes')) as at) x`.execute(conn);
      step(`replies ${to + 1}/${R}`, to - from + 1);
    }
    await sql`select setval(pg_get_serial_sequence('posts', 'id'), (select max(id) from posts))`.execute(conn);

    // Counters as insertPost leaves them: every reply counts on its thread.
    await sql`
      update posts t set reply_count = c.n, last_activity_at = greatest(t.last_activity_at, c.last)
      from (select thread_id, count(*)::int as n, max(published_at) as last from posts
            where thread_id is not null group by thread_id) c
      where t.id = c.thread_id`.execute(conn);
    // Votes: a few likes (and the odd dislike) on most threads.
    await sql`
      insert into votes (actor_id, post_id, value)
      select distinct on (m.actor_id, p.id) m.actor_id, p.id, case when v = 3 then -1 else 1 end
      from generate_series(${t0}::int, ${t0 + T - 1}::int) as p(id)
      cross join generate_series(0, 3) as v
      join seed_members m on m.n = 1 + (p.id * 11 + v * 101) % ${M}::int
      where v < p.id % 5`.execute(conn);
    await sql`
      update posts p set like_count = c.likes, dislike_count = c.dislikes
      from (select post_id, count(*) filter (where value = 1)::int as likes, count(*) filter (where value = -1)::int as dislikes
            from votes group by post_id) c
      where p.id = c.post_id`.execute(conn);
    await sql`analyze`.execute(conn);
    step("counters", 1);

    const { rows: out } = await sql<{ big: number; member: string; account: number; actor: number; f: number; v: number }>`
      select (select actor_id from seed_groups where n = 1) as big,
             a.username as member, a.id as account, ac.id as actor,
             (select count(*)::int from follows f join seed_members m on m.actor_id = f.follower_id) as f,
             (select count(*)::int from votes) as v
      from accounts a join actors ac on ac.account_id = a.id
      where a.id = (select n.account_id from notifications n group by n.account_id order by count(*) desc limit 1)
         or (a.username = 'seed-m1' and not exists (select 1 from notifications))
      limit 1`.execute(conn);
    await sql`drop table seed_groups`.execute(conn);
    await sql`drop table seed_members`.execute(conn);
    const o = out[0];
    return {
      bigGroup: { slug: "seed-big", actorId: o.big },
      bigThreadId: bigReplies ? t0 : undefined,
      localMember: { username: o.member, accountId: o.account, actorId: o.actor },
      counts: { groups: G, members: M, threads: T, replies: R, follows: o.f, votes: o.v },
    };
  });
}
