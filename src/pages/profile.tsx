/** A local member's public profile, at their actor URL for browsers. */
import { raw } from "hono/html";
import type { Account } from "../../db/schema.ts";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";
import { MemberBadge, StaffBadges } from "./post-parts.tsx";

export function ProfilePage(props: { page: PageInfo; account: Account; handle: string; bioHtml: string | null }) {
  const a = props.account;
  return (
    <Layout title={a.display_name} page={props.page}>
      <h1>
        {a.display_name} <MemberBadge type={a.member_type} />
        <StaffBadges clinician={a.clinician_verified_at != null} />
      </h1>
      <p class="handle">{props.handle}</p>
      {a.suspended_at ? <p class="warning" role="status">This account is suspended by the instance's administrators.</p> : null}
      {/* The bio is rendered from Markdown with raw HTML escaped (src/markdown.ts). */}
      {props.bioHtml ? <section aria-label="About" class="about">{raw(props.bioHtml)}</section> : null}
    </Layout>
  );
}
