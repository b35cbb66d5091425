/**
 * The admin console's page of one user (`?id=<userId>`): the profile, the
 * account (disable, enable), the roles, the second factor (reset), the
 * connected accounts (outside identities), the activity (newest first, a page at a time), and deletion. Each action goes
 * through the client library, says what it did in its section's status
 * region, and what went wrong in its alert region. On their own account an
 * admin sees no Disable, Reset or Delete (the API refuses them: 409
 * `self_protection`), and removing their own admin role is refused in words.
 */
import type { Role, User } from "@lambda-auth-api/client";
import { element, onSubmit } from "../app.js";
import { flashOnNextPage, runAction } from "../admin/actions.js";
import { confirmAction } from "../admin/confirm.js";
import { closeConsoleIfNotAdmin, startConsole } from "../admin/console.js";
import { describeAdminError } from "../admin/errors.js";
import { accountState, addCell, describeEvent, rolesText, when } from "../admin/format.js";
import { timeElement } from "../devices.js";
import { cursorPager } from "../admin/pager.js";

const EVENTS_PER_PAGE = 20;
const NOT_FOUND = "No user has this id: the account may have been deleted.";

const admin = await startConsole();
const userId = new URLSearchParams(location.search).get("id") ?? "";

function showMissing(text: string): void {
  const back = document.createElement("a");
  back.href = "/admin";
  back.textContent = "Back to the list of users";
  element("user-status").replaceChildren(`${text} `, back);
}

if (admin && !userId) showMissing("No user is named in the address.");
else if (admin) {
  const { auth, me } = admin;
  const isSelf = me.id === userId;
  const describe = (error: unknown) => describeAdminError(error, { notFound: NOT_FOUND });
  const sections = (name: string) => ({ status: element(`${name}-status`), error: element(`${name}-error`) });
  const toggle = element<HTMLButtonElement>("toggle-disabled");
  const resetMfa = element<HTMLButtonElement>("reset-mfa");
  const deleteButton = element<HTMLButtonElement>("delete-user");
  const saveRoles = element<HTMLButtonElement>("save-roles");
  const roleBoxes = [...element<HTMLFormElement>("roles-form").querySelectorAll<HTMLInputElement>("input[name=roles]")];
  const eventsTable = element<HTMLTableElement>("events-table");
  const eventsStatus = element("events-status");
  let user: User;

  function render(shown: User): void {
    user = shown;
    const email = shown.email;
    document.title = `${email} · Admin console · Auth API example`;
    element("user-heading").textContent = `Admin console: ${email}`;
    element("user-email").textContent = email;
    element("user-verified").textContent = shown.emailVerified ? "Yes" : "No";
    element("user-username").textContent = shown.username ?? "—";
    element("user-name").textContent = shown.name ?? "—";
    element("user-password").textContent = shown.hasPassword ? "Set" : "None (signs in with a connected account or a passkey)";
    element("user-created").replaceChildren(timeElement(shown.createdAt));
    element("user-id").textContent = shown.id;

    element("account-state").textContent = accountState(shown);
    element("account-hint").textContent = shown.disabled
      ? "Signin answers that the account is disabled, until it is enabled again."
      : "Disabling ends the user's sessions at once and refuses their signin until the account is enabled again.";
    toggle.textContent = `${shown.disabled ? "Enable" : "Disable"} ${email}`;

    element("roles-legend").textContent = `Roles of ${email}`;
    for (const box of roleBoxes) box.checked = shown.roles.includes(box.value as Role);
    saveRoles.textContent = `Save roles of ${email}`;

    element("mfa-state").textContent = shown.mfaEnabled ? "On" : "Off";
    resetMfa.textContent = `Reset MFA of ${email}`;
    deleteButton.textContent = `Delete ${email}`;

    element("self-note").hidden = !isSelf;
    for (const button of [toggle, resetMfa, deleteButton]) button.hidden = isSelf;
    element("user").hidden = false;
  }

  const events = cursorPager({
    nav: element("events-pager"),
    previous: element<HTMLButtonElement>("events-previous"),
    next: element<HTMLButtonElement>("events-next"),
    async load(cursor, pageNumber) {
      element("events-error").textContent = "";
      const page = await auth.admin.userEvents(userId, { limit: EVENTS_PER_PAGE, ...(cursor && { cursor }) });
      const body = eventsTable.tBodies[0];
      body.replaceChildren();
      for (const event of page.events) {
        const row = body.insertRow();
        row.dataset.type = event.type;
        addCell(row, "What", describeEvent(event));
        addCell(row, "When", timeElement(event.at));
        addCell(row, "IP address", event.ipAddress ?? "—");
        addCell(row, "Device", event.userAgent ?? "—");
      }
      eventsTable.hidden = page.events.length === 0;
      element("events-caption").textContent = `Activity of ${user.email}, newest first: page ${pageNumber}`;
      eventsStatus.textContent = page.events.length
        ? `Page ${pageNumber} of the activity: ${page.events.length} ${page.events.length === 1 ? "event" : "events"}, the newest from ${when(page.events[0]!.at)}.`
        : "No activity.";
      return page.nextCursor;
    },
    onError(error) {
      if (!closeConsoleIfNotAdmin(error)) element("events-error").textContent = describe(error);
    },
    onMoved: () => element("events-caption").focus(),
  });

  /** The outside identities linked to the user (read once: no action here changes them). */
  async function showIdentities(): Promise<void> {
    const table = element<HTMLTableElement>("identities-table");
    try {
      const { identities } = await auth.admin.userIdentities(userId);
      const body = table.tBodies[0]!;
      body.replaceChildren();
      for (const identity of identities) {
        const row = body.insertRow();
        addCell(row, "Provider", identity.provider);
        addCell(row, "Email at the provider", identity.email ?? "—");
        addCell(row, "Connected", timeElement(identity.linkedAt));
      }
      table.hidden = identities.length === 0;
      element("identities-caption").textContent = `Connected accounts of ${user.email}`;
      element("identities-status").textContent = identities.length ? "" : `${user.email} has no connected accounts.`;
    } catch (error) {
      if (!closeConsoleIfNotAdmin(error)) element("identities-error").textContent = describe(error);
    }
  }

  /** After a change: the user and the first page of activity (where the change's event now stands) again. */
  async function refresh(): Promise<void> {
    render((await auth.admin.getUser(userId)).user);
    await events.show();
  }

  toggle.addEventListener("click", () => {
    const disabled = !user.disabled;
    void runAction(
      toggle,
      sections("account"),
      async () => {
        render((await auth.admin.updateUser(userId, { disabled })).user);
        void events.show();
        return disabled
          ? `${user.email} is disabled: their sessions have ended, and they cannot sign in.`
          : `${user.email} is enabled: they can sign in again.`;
      },
      describe,
    );
  });

  onSubmit(
    element<HTMLFormElement>("roles-form"),
    async () => {
      const roles = roleBoxes.filter((box) => box.checked).map((box) => box.value as Role);
      const rolesStatus = element("roles-status");
      rolesStatus.textContent = "";
      render((await auth.admin.setUserRoles(userId, { roles })).user);
      rolesStatus.textContent = `The roles of ${user.email} are now: ${rolesText(user.roles)}.`;
      void events.show();
    },
    (error) => (closeConsoleIfNotAdmin(error) ? "" : describe(error)),
  );

  resetMfa.addEventListener("click", () => {
    const email = user.email;
    void (async () => {
      const confirmed = await confirmAction({
        title: `Reset the second factors of ${email}?`,
        text: `This removes the authenticator app, the recovery codes and every passkey of ${email}, ends their sessions and emails them.`,
        confirm: `Reset MFA of ${email}`,
      });
      if (!confirmed) return;
      await runAction(
        resetMfa,
        sections("mfa"),
        async () => {
          await auth.admin.resetMfa(userId);
          await refresh();
          return `The second factors of ${email} are removed and their sessions ended: they sign in with their password alone.`;
        },
        describe,
      );
    })();
  });

  deleteButton.addEventListener("click", () => {
    const email = user.email;
    void (async () => {
      const confirmed = await confirmAction({
        title: `Delete ${email}?`,
        text: `This removes the account of ${email} and ends their sessions at once. It cannot be undone.`,
        confirm: `Delete ${email}`,
      });
      if (!confirmed) return;
      const outcome = { status: element("user-status"), error: element("delete-error") };
      await runAction(
        deleteButton,
        outcome,
        async () => {
          await auth.admin.deleteUser(userId);
          flashOnNextPage(`${email} is deleted.`);
          location.assign("/admin");
          return `${email} is deleted. Back to the list of users…`;
        },
        describe,
      );
    })();
  });

  let loaded = false;
  try {
    render((await auth.admin.getUser(userId)).user);
    element("user-status").textContent = "";
    loaded = true;
  } catch (error) {
    if (!closeConsoleIfNotAdmin(error)) showMissing(describe(error));
  }
  if (loaded) await Promise.all([showIdentities(), events.show()]);
}
