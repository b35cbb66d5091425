/**
 * Forms: a submit runs once at a time; a failure is said in the form's error
 * summary (its role="alert" element) and under each field it is about
 * (`aria-invalid`, and `aria-describedby` naming the field's error text);
 * focus then moves to the first invalid field, or to the summary. A success
 * moves focus where the handler says (its result or a heading), never
 * leaving it on <body>. The submit button keeps focus while the request runs
 * (`aria-disabled` rather than `disabled`, which would drop focus to <body>).
 */
import { describeError, FieldError, fieldLabel, fieldProblems } from "./errors.js";

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

export function field(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === "string" ? value.trim() : "";
}

/** Throws a `FieldError` (said under the field) when the field `name` of `data` is empty. */
export function requireField(data: FormData, name: string, text: string): void {
  if (field(data, name) === "") throw new FieldError(name, text);
}

/** Makes `target` focusable from script (not by Tab) and focuses it. */
export function focusOn(target: HTMLElement): void {
  if (!target.hasAttribute("tabindex") && !target.matches("a[href], button, input, select, textarea")) target.tabIndex = -1;
  target.focus();
}

/** Says `text` in `target` (a role="status" element, or a heading) and moves focus there. */
export function announce(target: HTMLElement, text: string): void {
  target.textContent = text;
  focusOn(target);
}

/** The page's main heading, where focus goes when nothing better is left (a form that hid itself, say). */
export function focusHeading(): void {
  const heading = document.querySelector<HTMLElement>("main h1");
  if (heading) focusOn(heading);
}

/** The form's field for the API's field `name`: by its `name`, or one whose `data-api-fields` lists it (the sign-in form's "identifier" is `email` or `username`). */
function fieldNamed(form: HTMLFormElement, name: string): Field | undefined {
  const found = form.elements.namedItem(name) ?? form.querySelector(`[data-api-fields~="${CSS.escape(name)}"]`);
  return found instanceof HTMLInputElement || found instanceof HTMLSelectElement || found instanceof HTMLTextAreaElement ? found : undefined;
}

function labelOf(input: Field): string {
  return input.labels?.[0]?.textContent?.replace(/\s*\(optional\)\s*$/i, "").trim() || fieldLabel(input.name);
}

/** Removes the field errors a failed submit left. */
export function clearFieldErrors(form: HTMLFormElement): void {
  for (const error of form.querySelectorAll(".field-error")) error.remove();
  for (const input of form.querySelectorAll<Field>("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    const base = input.dataset.describedby;
    if (base) input.setAttribute("aria-describedby", base);
    else input.removeAttribute("aria-describedby");
  }
}

/** Shows `text` under `input` and ties it to the field (its hint, if any, stays described too). */
export function showFieldError(input: Field, text: string): void {
  const id = `${input.id || input.name}-error`;
  let error = document.getElementById(id);
  if (!error) {
    error = document.createElement("p");
    error.id = id;
    error.className = "error field-error";
    // After the field's hint when it has one just below it, else right below the field.
    const next = input.nextElementSibling;
    (next?.classList.contains("hint") ? next : input).after(error);
  }
  error.textContent = text;
  if (!input.hasAttribute("aria-invalid")) {
    const base = input.getAttribute("aria-describedby") ?? "";
    input.dataset.describedby = base;
    input.setAttribute("aria-describedby", [base, id].filter(Boolean).join(" "));
  }
  input.setAttribute("aria-invalid", "true");
}

/**
 * Says `caught` in the form: under the fields it names (by their `name`, the
 * API's field names), and in the summary; focus moves to the first invalid
 * field, or to the summary when no field is concerned.
 */
export function showFormError(form: HTMLFormElement, caught: unknown, describe: (error: unknown) => string = describeError): void {
  const summary = form.querySelector<HTMLElement>("[role=alert]");
  const sentences: string[] = [];
  let first: Field | undefined;
  for (const problem of fieldProblems(caught)) {
    const input = fieldNamed(form, problem.field);
    if (input && !input.closest("[hidden]")) {
      const text = problem.say(labelOf(input));
      showFieldError(input, text);
      sentences.push(text);
      first ??= input;
    }
  }
  const text = first && sentences.length > 0 && describe === describeError ? [...new Set(sentences)].join(" ") : describe(caught);
  if (summary) summary.textContent = text;
  if (first) first.focus();
  else if (summary) focusOn(summary);
}

/**
 * Runs `handler` on submit, one submit at a time; a failure is shown by
 * `showFormError` (in the words of `describe`). After a success the handler
 * should have moved focus to what changed; if focus was left nowhere, it goes
 * to the page's heading.
 */
export function onSubmit(form: HTMLFormElement, handler: (data: FormData) => Promise<void>, describe: (error: unknown) => string = describeError): void {
  const summary = form.querySelector<HTMLElement>("[role=alert]");
  let busy = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    const button = (event.submitter as HTMLButtonElement | null) ?? form.querySelector<HTMLButtonElement>("button[type=submit]");
    button?.setAttribute("aria-disabled", "true");
    if (summary) summary.textContent = "";
    clearFieldErrors(form);
    handler(new FormData(form))
      .then(() => {
        const active = document.activeElement;
        if (!active || active === document.body || !(active as HTMLElement).offsetParent) focusHeading();
      })
      .catch((caught: unknown) => showFormError(form, caught, describe))
      .finally(() => {
        busy = false;
        button?.removeAttribute("aria-disabled");
      });
  });
}
