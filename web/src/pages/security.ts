/**
 * The second factor: set up an authenticator app (a QR code drawn here, in
 * the browser, from the otpauth URI, and the secret key as text), confirm it
 * with a code, see and download the recovery codes once; get new ones or turn
 * the app off with a current code.
 */
import { toCanvas } from "qrcode";
import type { MfaStatus } from "../../../client/src/index.js";
import { describeError, element, onSubmit, showSignedOut, startApp } from "../app.js";

const auth = await startApp();
const status = element("security-status");
const error = element("security-error");
const totp = element("totp");
const enroll = element("enroll");
const enrollStart = element<HTMLButtonElement>("enroll-start");
const manage = element("manage");
const codes = element("recovery-codes");
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

async function load(): Promise<void> {
  const session = await auth.getSession();
  if (!session) {
    showSignedOut(status);
    totp.hidden = true;
    manage.hidden = true;
    return;
  }
  email = session.user.email;
  render(await auth.mfa.status());
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

try {
  await load();
} catch (caught) {
  status.textContent = "";
  error.textContent = describeError(caught);
}
