/**
 * The oversharing guard on the compose page: the personal details found,
 * highlighted in the text, and the two ways on: edit (the form below) or
 * post anyway (the same text again, with `confirm_details=1`).
 */
import { PERSONAL_DETAIL_LABELS } from "../../policy/oversharing.ts";
import type { FoundDetail } from "../oversharing.ts";
import { Csrf } from "./forms.tsx";
import type { PageInfo } from "./page-info.ts";
import { type ComposeValues, ImageFields } from "./post-parts.tsx";

const FIELD_NAMES: Record<FoundDetail["field"], string> = { title: "Title", summary: "Content warning", body: "Text" };

/** `text` with the found spans in `<mark>`; Hono escapes every piece. */
function Highlighted({ text, details }: { text: string; details: FoundDetail[] }) {
  const parts = [];
  let at = 0;
  for (const d of [...details].sort((a, b) => a.start - b.start)) {
    if (d.start < at) continue;
    parts.push(text.slice(at, d.start), <mark>{text.slice(d.start, d.end)}</mark>);
    at = d.end;
  }
  parts.push(text.slice(at));
  return <p class="personal-details-text">{parts}</p>;
}

export function PersonalDetailsPanel(
  { page, action, values, details, withImages }: {
    page: PageInfo;
    action: string;
    values: ComposeValues;
    details: FoundDetail[];
    /** The post may carry images: they are chosen again here (files are never kept before posting). */
    withImages?: boolean;
  },
) {
  const fields = (["title", "summary", "body"] as const).filter((f) => details.some((d) => d.field === f));
  return (
    <section aria-labelledby="personal-details-heading" class="personal-details" role="alert">
      <h2 id="personal-details-heading">This post may share personal details</h2>
      <p>
        Posts here can be read by other people, and may be copied to other servers. Check what you share about
        yourself and others:
      </p>
      <ul>
        {details.map((d) => <li><strong>{PERSONAL_DETAIL_LABELS[d.kind]}:</strong> {d.text}</li>)}
      </ul>
      {fields.map((field) => (
        <div>
          <h3>{FIELD_NAMES[field]}</h3>
          <Highlighted text={values[field] ?? ""} details={details.filter((d) => d.field === field)} />
        </div>
      ))}
      <p>Edit the post in the form below, or post it as it is.</p>
      <form method="post" action={action} enctype={withImages ? "multipart/form-data" : undefined}>
        <Csrf token={page.csrf} />
        {values.title != null ? <input type="hidden" name="title" value={values.title} /> : null}
        <input type="hidden" name="body" value={values.body ?? ""} />
        {values.summary ? <input type="hidden" name="summary" value={values.summary} /> : null}
        {values.sensitive ? <input type="hidden" name="sensitive" value="on" /> : null}
        <input type="hidden" name="confirm_details" value="1" />
        {withImages ? <ImageFields id="confirm" /> : null}
        <button type="submit" name="action" value="post" class="secondary">Post anyway</button>
      </form>
    </section>
  );
}
