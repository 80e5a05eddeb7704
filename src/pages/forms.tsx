/** Form pieces: every input has a visible label; errors are announced. */
import type { Child } from "hono/jsx";

export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

export interface FieldProps {
  id: string;
  name: string;
  label: string;
  type?: string;
  value?: string;
  hint?: Child;
  required?: boolean;
  autocomplete?: string;
  maxlength?: number;
  minlength?: number;
}

export function Field(props: FieldProps) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <p class="field">
      <label for={props.id}>{props.label}{props.required ? null : <span class="optional"> (optional)</span>}</label>
      {props.hint ? <span class="hint" id={hintId}>{props.hint}</span> : null}
      <input
        id={props.id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value ?? ""}
        required={props.required}
        autocomplete={props.autocomplete}
        maxlength={props.maxlength}
        minlength={props.minlength}
        aria-describedby={hintId}
      />
    </p>
  );
}

export function TextArea(props: FieldProps & { rows?: number }) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <p class="field">
      <label for={props.id}>{props.label}{props.required ? null : <span class="optional"> (optional)</span>}</label>
      {props.hint ? <span class="hint" id={hintId}>{props.hint}</span> : null}
      <textarea
        id={props.id}
        name={props.name}
        rows={props.rows ?? 6}
        required={props.required}
        maxlength={props.maxlength}
        aria-describedby={hintId}
      >
        {props.value ?? ""}
      </textarea>
    </p>
  );
}

/** Problems with the form just sent, announced to screen readers. */
export function Problems({ errors }: { errors?: string[] }) {
  if (!errors || errors.length === 0) return null;
  return (
    <div class="problems" role="alert">
      <h2>Please check this</h2>
      <ul>{errors.map((e) => <li>{e}</li>)}</ul>
    </div>
  );
}

export function Notice({ children }: { children?: Child }) {
  return <div class="notice" role="status">{children}</div>;
}
