/**
 * The confirmation step of an action that cannot be undone: a modal <dialog>
 * (the browser keeps focus inside it and Escape cancels) that names what will
 * happen, with Cancel focused first, so that a stray Enter changes nothing.
 * Focus goes back to the button that opened it when it is cancelled.
 */
let dialogs = 0;

export interface ConfirmOptions {
  /** The dialog's heading: "Delete alice@example.com?" */
  title: string;
  /** What will happen, in a sentence or two. */
  text: string;
  /** The confirming button's name: "Delete alice@example.com". */
  confirm: string;
}

export function confirmAction(options: ConfirmOptions): Promise<boolean> {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  dialogs += 1;
  const dialog = document.createElement("dialog");
  dialog.className = "confirm";
  const heading = document.createElement("h2");
  heading.id = `confirm-title-${dialogs}`;
  heading.textContent = options.title;
  const text = document.createElement("p");
  text.id = `confirm-text-${dialogs}`;
  text.textContent = options.text;
  dialog.setAttribute("aria-labelledby", heading.id);
  dialog.setAttribute("aria-describedby", text.id);
  const yes = document.createElement("button");
  yes.type = "button";
  yes.className = "danger";
  yes.textContent = options.confirm;
  const no = document.createElement("button");
  no.type = "button";
  no.textContent = "Cancel";
  no.autofocus = true;
  const buttons = document.createElement("p");
  buttons.className = "actions";
  buttons.append(yes, no);
  dialog.append(heading, text, buttons);
  // Inside <main>, so that the dialog's content is in a landmark too.
  (document.querySelector("main") ?? document.body).append(dialog);

  return new Promise((resolve) => {
    const finish = (confirmed: boolean) => {
      dialog.close();
      dialog.remove();
      if (!confirmed) opener?.focus();
      resolve(confirmed);
    };
    yes.addEventListener("click", () => finish(true));
    no.addEventListener("click", () => finish(false));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    dialog.showModal();
  });
}
