/** One admin action on a button: busy while it runs, its outcome said in the section's status or alert region. */
import { focusOn } from "../forms.js";
import { closeConsoleIfNotAdmin } from "./console.js";

export interface Outcome {
  /** The section's role="status" element: what was done. */
  status: HTMLElement;
  /** The section's role="alert" element: why it was not. */
  error: HTMLElement;
}

/** Buttons whose action is running (a second click meanwhile does nothing). */
const busy = new WeakSet<HTMLButtonElement>();

/**
 * Runs `action` (answering the sentence that says what it did) from
 * `button`, one at a time. The button is only `aria-disabled` meanwhile, so
 * that it keeps focus (a disabled one would drop it to <body>); after a
 * confirmation dialog closed, focus comes back to it. On success focus goes
 * to `focusAfter` when given (an action may change what the page shows).
 */
export async function runAction(
  button: HTMLButtonElement,
  outcome: Outcome,
  action: () => Promise<string>,
  describe: (error: unknown) => string,
  focusAfter?: () => HTMLElement | undefined,
): Promise<boolean> {
  if (busy.has(button)) return false;
  busy.add(button);
  button.setAttribute("aria-disabled", "true");
  if (!document.activeElement || document.activeElement === document.body) button.focus();
  outcome.status.textContent = "";
  outcome.error.textContent = "";
  let done = false;
  try {
    outcome.status.textContent = await action();
    done = true;
  } catch (error) {
    if (!closeConsoleIfNotAdmin(error)) outcome.error.textContent = describe(error);
  } finally {
    busy.delete(button);
    button.removeAttribute("aria-disabled");
  }
  const target = done ? focusAfter?.() : undefined;
  if (target) focusOn(target);
  return done;
}

/** A new <button type="button"> named `text`. */
export function newButton(text: string, className?: string): HTMLButtonElement {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = text;
  if (className) button.className = className;
  return button;
}

const FLASH_KEY = "admin-flash";

/** A sentence for the next admin page this tab opens (after an action that leaves the page, such as a deletion). */
export function flashOnNextPage(text: string): void {
  sessionStorage.setItem(FLASH_KEY, text);
}

/** What the previous page left to be said, once; "" when nothing. */
export function takeFlash(): string {
  const text = sessionStorage.getItem(FLASH_KEY) ?? "";
  sessionStorage.removeItem(FLASH_KEY);
  return text;
}
