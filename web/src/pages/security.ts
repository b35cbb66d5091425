/**
 * The second factor: set up an authenticator app (a QR code drawn here, in
 * the browser, from the otpauth URI, and the secret key as text), confirm it
 * with a code, see and download the recovery codes once; get new ones or turn
 * the app off with a current code.
 *
 * Passkeys: add one (the browser asks the device to make it), see them
 * (name, created, last used, backed up), rename and remove them.
 */
import { toCanvas } from "qrcode";
import { SessionEndedError, type MfaStatus, type Passkey } from "@lambda-auth-api/client";
import { addPasskey, passkeyErrorMessage, passkeysSupported } from "@lambda-auth-api/client/passkeys-browser";
import { describeError, element, onSubmit, startApp } from "../app.js";
import { focusOn } from "../forms.js";

const auth = await startApp("protected");
const status = element("security-status");
const error = element("security-error");
const totp = element("totp");
const enroll = element("enroll");
const enrollStart = element<HTMLButtonElement>("enroll-start");
const manage = element("manage");
const codes = element("recovery-codes");
const passkeys = element("passkeys");
const passkeyTable = element<HTMLTableElement>("passkey-table");
const passkeysStatus = element("passkeys-status");
const passkeysError = element("passkeys-error");
const addForm = element<HTMLFormElement>("add-passkey-form");
const renameForm = element<HTMLFormElement>("rename-form");
const renameInput = element<HTMLInputElement>("rename-name");
/** The passkey being renamed. */
let renaming: Passkey | undefined;
/** The recovery codes on screen (for the download); never stored. */
let shownCodes: string[] = [];
/** The signed-in user's email (named in the downloaded file). */
let email = "";

function render(mfa: MfaStatus): void {
  const on = mfa.totp.enabled;
  element("totp-state").textContent = on
    ? `On${mfa.totp.createdAt ? ` since ${new Date(mfa.totp.createdAt).toLocaleString()}` : ""}: signin asks for a code from the app after your password.`
    : "Off: signin asks for your password only.";
  enrollStart.hidden = on || !enroll.hidden;
  const left = mfa.recoveryCodes.remaining;
  element("codes-remaining").textContent = `${left} ${left === 1 ? "recovery code" : "recovery codes"} left.`;
  manage.hidden = !on;
  totp.hidden = false;
  status.textContent = "";
}

/** A problem with what the user typed, said as it is. */
class RenameError extends Error {}

const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : "Never");

function renderPasskeys(list: Passkey[]): void {
  const body = passkeyTable.tBodies[0];
  body.replaceChildren();
  for (const passkey of list) {
    const row = body.insertRow();
    row.dataset.id = passkey.id;
    const name = row.insertCell();
    name.textContent = passkey.name;
    row.insertCell().textContent = when(passkey.createdAt);
    row.insertCell().textContent = when(passkey.lastUsedAt);
    row.insertCell().textContent = passkey.backedUp ? "Yes" : "No";
    const actions = row.insertCell();
    const rename = document.createElement("button");
    rename.type = "button";
    rename.textContent = "Rename";
    rename.setAttribute("aria-label", `Rename ${passkey.name}`);
    rename.addEventListener("click", () => startRename(passkey));
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove ${passkey.name}`);
    remove.addEventListener("click", () => void removePasskey(passkey, remove));
    actions.append(rename, " ", remove);
  }
  passkeyTable.hidden = list.length === 0;
  passkeysStatus.textContent = list.length === 0 ? "You have no passkeys." : `${list.length} ${list.length === 1 ? "passkey" : "passkeys"}.`;
  passkeys.hidden = false;
}

async function loadPasskeys(): Promise<void> {
  renderPasskeys((await auth.passkeys.list()).passkeys);
}

/** The row's button of `id` (after the table was drawn again). */
function rowButton(id: string, label: "Rename" | "Remove"): HTMLButtonElement | undefined {
  const row = [...passkeyTable.tBodies[0].rows].find((candidate) => candidate.dataset.id === id);
  return [...(row?.querySelectorAll("button") ?? [])].find((button) => button.textContent === label);
}

function startRename(passkey: Passkey): void {
  renaming = passkey;
  element("rename-heading").textContent = `Rename ${passkey.name}`;
  element("rename-error").textContent = "";
  renameInput.value = passkey.name;
  renameForm.hidden = false;
  renameInput.focus();
  renameInput.select();
}

function endRename(): void {
  const id = renaming?.id;
  renaming = undefined;
  renameForm.hidden = true;
  if (id) rowButton(id, "Rename")?.focus();
}

async function removePasskey(passkey: Passkey, button: HTMLButtonElement): Promise<void> {
  passkeysError.textContent = "";
  button.disabled = true;
  try {
    await auth.passkeys.remove(passkey.id);
    if (renaming?.id === passkey.id) endRename();
    await loadPasskeys();
    passkeysStatus.textContent = `${passkey.name} is removed. ${passkeysStatus.textContent}`;
    element("passkeys-heading").focus();
  } catch (caught) {
    button.disabled = false;
    passkeysError.textContent = describeError(caught);
    focusOn(passkeysError);
  }
}

async function load(): Promise<void> {
  const session = await auth.getSession();
  // Signed out: the app shows the sign-in link instead of this page.
  if (!session) return;
  email = session.user.email;
  const [mfa] = await Promise.all([auth.mfa.status(), loadPasskeys()]);
  render(mfa);
}

/** The codes, once, with the Download button; focus moves to them. */
function showCodes(recoveryCodes: string[], heading: string): void {
  shownCodes = recoveryCodes;
  element("codes-list").replaceChildren(
    ...recoveryCodes.map((code) => {
      const item = document.createElement("li");
      item.textContent = code;
      return item;
    }),
  );
  element("codes-heading").textContent = heading;
  codes.hidden = false;
  element("codes-heading").focus();
}

enrollStart.addEventListener("click", () => {
  error.textContent = "";
  enrollStart.disabled = true;
  auth.mfa
    .enrollTotp()
    .then(async ({ secret, otpauthUri }) => {
      await toCanvas(element<HTMLCanvasElement>("totp-qr"), otpauthUri, { width: 200, margin: 2, errorCorrectionLevel: "M" });
      element<HTMLInputElement>("totp-secret").value = secret;
      enroll.hidden = false;
      enrollStart.hidden = true;
      codes.hidden = true;
      element("enroll-heading").focus();
    })
    .catch((caught: unknown) => {
      error.textContent = describeError(caught);
      focusOn(error);
    })
    .finally(() => {
      enrollStart.disabled = false;
    });
});

onSubmit(element<HTMLFormElement>("confirm-form"), async (data) => {
  const { recoveryCodes } = await auth.mfa.confirmTotp(String(data.get("code") ?? "").replace(/\s/g, ""));
  element<HTMLFormElement>("confirm-form").reset();
  element<HTMLInputElement>("totp-secret").value = "";
  enroll.hidden = true;
  await load();
  status.textContent = "The authenticator app is set up.";
  if (recoveryCodes?.length) showCodes(recoveryCodes, "Your recovery codes");
  else element("totp-heading").focus();
});

onSubmit(element<HTMLFormElement>("regenerate-form"), async (data) => {
  const { recoveryCodes } = await auth.mfa.regenerateRecoveryCodes(String(data.get("code") ?? "").trim());
  element<HTMLFormElement>("regenerate-form").reset();
  await load();
  showCodes(recoveryCodes, "Your new recovery codes");
});

onSubmit(element<HTMLFormElement>("remove-form"), async (data) => {
  await auth.mfa.removeTotp(String(data.get("code") ?? "").trim());
  element<HTMLFormElement>("remove-form").reset();
  codes.hidden = true;
  shownCodes = [];
  await load();
  status.textContent = "The authenticator app is turned off.";
  enrollStart.focus();
});

element("download-codes").addEventListener("click", () => {
  const text = `Recovery codes for ${email} at ${location.origin}\nEach code signs you in once instead of the authenticator app.\n\n${shownCodes.join("\n")}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = "recovery-codes.txt";
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});

onSubmit(
  addForm,
  async (data) => {
    const name = String(data.get("name") ?? "").trim();
    const passkey = await addPasskey(auth, name || undefined);
    addForm.reset();
    await loadPasskeys();
    passkeysStatus.textContent = `${passkey.name} is added. ${passkeysStatus.textContent}`;
  },
  (caught) => passkeyErrorMessage(caught) ?? describeError(caught),
);

onSubmit(renameForm, async (data) => {
  if (!renaming) return;
  const name = String(data.get("name") ?? "").trim();
  if (!name) throw new RenameError("Enter a name for the passkey.");
  const { passkey } = await auth.passkeys.rename(renaming.id, name);
  await loadPasskeys();
  passkeysStatus.textContent = `The passkey is renamed ${passkey.name}.`;
  endRename();
}, (caught) => (caught instanceof RenameError ? caught.message : describeError(caught)));

element("rename-cancel").addEventListener("click", endRename);

if (!passkeysSupported()) {
  addForm.hidden = true;
  element("passkeys-unsupported").hidden = false;
}

try {
  await load();
} catch (caught) {
  status.textContent = "";
  // An ended session: the app shows the signed-out page, with a sign-in link, instead.
  if (!(caught instanceof SessionEndedError)) error.textContent = describeError(caught);
}
