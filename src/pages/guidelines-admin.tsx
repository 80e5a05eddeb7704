/** The admins' page for the community guidelines (/admin/guidelines): publish a version, preview it, see the history. */
import { raw } from "hono/html";
import type { GuidelinesVersion } from "../consent.ts";
import { Csrf, Notice, Problems, TextArea } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

export interface GuidelinesAdminProps {
  page: PageInfo;
  /** Newest first; each with its Markdown rendered. */
  history: (GuidelinesVersion & { html: string })[];
  /** The text in the form (the current version's, or what was sent). */
  draft: string;
  /** The draft rendered, when the admin asked for a preview. */
  preview?: string;
  errors?: string[];
  notice?: string;
}

function date(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function GuidelinesAdminPage(props: GuidelinesAdminProps) {
  const { page, history } = props;
  const current = history[0];
  return (
    <Layout title="Community guidelines" page={page}>
      <h1>Community guidelines</h1>
      <p><a href="/admin">Back to instance administration</a></p>
      {props.notice ? <Notice>{props.notice}</Notice> : null}
      <Problems errors={props.errors} />
      <p>
        Members see the current version at <a href="/guidelines">/guidelines</a>. Publishing a new version asks every
        member to read it and consent again before they post, reply or vote; they can still read and leave.
      </p>
      <section aria-labelledby="publish-heading">
        <h2 id="publish-heading">Publish version {current.version + 1}</h2>
        <form method="post" action="/admin/guidelines">
          <Csrf token={page.csrf} />
          <TextArea id="guidelines-text" name="text" label="Text (Markdown)" value={props.draft} rows={16} required
            hint="Headings with ##, lists with 1. or -, **bold**. HTML is shown as text." />
          <p>
            <button type="submit" name="action" value="preview" class="secondary">Preview</button>{" "}
            <button type="submit" name="action" value="publish">Publish version {current.version + 1}</button>
          </p>
        </form>
        {props.preview != null
          ? (
            <section aria-labelledby="preview-heading" class="preview">
              <h3 id="preview-heading">Preview (not published)</h3>
              <div class="content">{raw(props.preview)}</div>
            </section>
          )
          : null}
      </section>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">Versions</h2>
        <table>
          <thead>
            <tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">Members consenting</th></tr>
          </thead>
          <tbody>
            {history.map((v) => (
              <tr>
                <td>{v.version}{v === current ? " (current)" : ""}</td>
                <td>{v.publishedAt ? date(v.publishedAt) : "shipped with Kindred"}</td>
                <td>{v.consents}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {history.map((v) => (
          <details>
            <summary>Text of version {v.version}</summary>
            <div class="content">{raw(v.html)}</div>
          </details>
        ))}
      </section>
    </Layout>
  );
}
