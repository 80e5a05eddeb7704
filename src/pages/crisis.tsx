/** Crisis resources: the panel shown to a member at once, the public help page, the admin page. */
import type { CrisisResource } from "../../db/crisis.ts";
import type { ResourceView } from "../crisis.ts";
import { Csrf, Field, Problems, TextArea } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import type { PageInfo } from "./page-info.ts";

function ResourceList({ resources }: { resources: ResourceView[] }) {
  return (
    <ul class="crisis-resources">
      {resources.map((r) => (
        <li lang={r.language}>
          <strong>{r.name}</strong>: {r.contact}
          {r.description ? <><br /><span class="hint">{r.description}</span></> : null}
        </li>
      ))}
    </ul>
  );
}

/** Shown at the top of the thread right after a member posted words of crisis. */
export function CrisisPanel({ resources }: { resources: ResourceView[] }) {
  return (
    <section class="crisis" role="alert" aria-labelledby="crisis-heading">
      <h2 id="crisis-heading">You are not alone</h2>
      <p>
        What you wrote sounds very hard. If you are thinking about ending your life or hurting yourself, please reach
        out now:
      </p>
      <ResourceList resources={resources} />
      <p>The group's moderators have been asked to look out for you.</p>
    </section>
  );
}

export function CrisisHelpPage({ page, resources }: { page: PageInfo; resources: ResourceView[] }) {
  return (
    <Layout title="Help in a crisis" page={page}>
      <h1>Help in a crisis</h1>
      <p>If you are in danger or thinking about ending your life, please contact one of these now.</p>
      <ResourceList resources={resources} />
    </Layout>
  );
}

export function AdminCrisisPage(
  { page, resources, errors, values }: {
    page: PageInfo;
    resources: CrisisResource[];
    errors?: string[];
    values?: Record<string, string>;
  },
) {
  const v = values ?? {};
  return (
    <Layout title="Crisis resources" page={page}>
      <h1>Crisis resources</h1>
      <p>
        Shown at once to a member whose post matches crisis language, and on <a href="/help/crisis">Help in a crisis</a>.
        {resources.length === 0 ? " None yet: members see a generic message naming emergency numbers. Add your country's helplines." : ""}
      </p>
      {resources.length > 0
        ? (
          <table class="data">
            <caption>Current resources, in display order</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Contact</th><th scope="col">Language</th><th scope="col">Order</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {resources.map((r) => (
                <tr>
                  <td>{r.name}</td><td>{r.contact}</td><td>{r.language}</td><td>{r.position}</td>
                  <td>
                    <form method="post" action={`/admin/crisis/${r.id}/delete`} class="inline">
                      <Csrf token={page.csrf} />
                      <button type="submit" class="secondary">Remove<span class="visually-hidden"> {r.name}</span></button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
        : null}
      <h2>Add a resource</h2>
      <Problems errors={errors} />
      <form method="post" action="/admin/crisis">
        <Csrf token={page.csrf} />
        <Field id="name" name="name" label="Name" required value={v.name} maxlength={200} hint="For example: Samaritans" />
        <Field id="contact" name="contact" label="How to reach it" required value={v.contact} maxlength={500}
          hint="Phone number, text line or web address, with opening hours" />
        <TextArea id="description" name="description" label="Description" value={v.description} maxlength={1000} rows={3} />
        <Field id="language" name="language" label="Language code" required value={v.language ?? "en"} maxlength={10} />
        <Field id="position" name="position" label="Order" type="number" value={v.position ?? "0"} hint="Lower numbers come first" />
        <p><button type="submit">Add resource</button></p>
      </form>
    </Layout>
  );
}
