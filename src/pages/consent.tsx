/** The consent asked before anything else of an account that never gave it (src/routes/web-consent.tsx). */
import { raw } from "hono/html";
import { Csrf, Problems } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

export function ConsentFirstPage(props: {
  page: PageInfo;
  version: number;
  html: string;
  next: string;
  errors?: string[];
}) {
  return (
    <Layout title="Before you start" page={props.page}>
      <h1>Before you start</h1>
      <p class="lead">
        Your account was made for you, so you have not yet accepted this instance's community guidelines or
        consented to the processing of health data. Please read them first.
      </p>
      <section aria-labelledby="guidelines-heading">
        <h2 id="guidelines-heading">Community guidelines, version {props.version}</h2>
        {/* Markdown written by the admins, raw HTML escaped (src/markdown.ts). */}
        <div class="content">{raw(props.html)}</div>
      </section>
      <Problems errors={props.errors} />
      <form method="post" action="/consent">
        <Csrf token={props.page.csrf} />
        <input type="hidden" name="next" value={props.next} />
        <p class="choice">
          <input type="checkbox" id="consent" name="consent" value="yes" required />
          <label for="consent">
            I agree to the community guidelines and to this instance processing what I share about my health to run
            the groups I join
          </label>
        </p>
        <p><button type="submit">Accept and continue</button></p>
      </form>
      <p>
        If you do not agree, you can <a href="/settings/data">download your data or delete your account</a>, or log
        out. Crisis resources stay open to you: <a href="/help/crisis">help in a crisis</a>.
      </p>
      <form method="post" action="/logout">
        <Csrf token={props.page.csrf} />
        <p><button type="submit" class="secondary">Log out</button></p>
      </form>
    </Layout>
  );
}
