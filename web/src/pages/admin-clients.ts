/**
 * The admin console's OAuth clients (of the API's OpenID provider): the list,
 * registering one (name, redirect URIs, public or confidential, grants), and
 * deleting one after a confirmation. A confidential client's secret is shown
 * once, right after it was made (or rotated), with a Copy button; it lives
 * only in this page's memory, so a reload no longer shows it.
 */
import { type ClientRegistrationRequest, type ClientWithSecret, type OAuthClient } from "@lambda-auth-api/client";
import { element, field, onSubmit } from "../app.js";
import { FieldError } from "../errors.js";
import { focusOn, requireField } from "../forms.js";
import { newButton, runAction } from "../admin/actions.js";
import { confirmAction } from "../admin/confirm.js";
import { closeConsoleIfNotAdmin, startConsole } from "../admin/console.js";
import { describeAdminError } from "../admin/errors.js";
import { addCell, itemList } from "../admin/format.js";
import { timeElement } from "../devices.js";

const FIELD_LABELS = { name: "Name", redirectUris: "Redirect URIs", postLogoutRedirectUris: "Post-logout redirect URIs", type: "Type", grantTypes: "Grants" };
const GRANT_NAMES: Record<string, string> = {
  authorization_code: "authorization code",
  refresh_token: "refresh token",
  client_credentials: "client credentials",
};

const lines = (text: string) => text.split(/\s*\n\s*/).map((line) => line.trim()).filter(Boolean);

const admin = await startConsole();
if (admin) {
  const { auth } = admin;
  const table = element<HTMLTableElement>("clients-table");
  const status = element("clients-status");
  const listError = element("clients-error");
  const form = element<HTMLFormElement>("create-form");
  const secretSection = element("secret");
  const secretValue = element<HTMLInputElement>("secret-value");
  const copyStatus = element("copy-status");
  const describe = (error: unknown) => describeAdminError(error, { fields: FIELD_LABELS, notFound: "No client has this id: it may have been deleted." });

  function render(clients: OAuthClient[]): void {
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const client of clients) {
      const row = body.insertRow();
      row.dataset.clientId = client.clientId;
      addCell(row, "Name", client.name);
      const id = document.createElement("span");
      id.className = "code";
      id.textContent = client.clientId;
      addCell(row, "Client ID", id);
      addCell(row, "Type", client.type);
      addCell(row, "Redirect URIs", itemList(client.redirectUris));
      addCell(row, "Grants", itemList(client.grantTypes.map((grant) => GRANT_NAMES[grant] ?? grant)));
      addCell(row, "Created", timeElement(client.createdAt));
      const actions = addCell(row, "Actions", "");
      if (client.type === "confidential") {
        const rotate = newButton(`Rotate the secret of ${client.name}`);
        rotate.setAttribute("aria-label", `Rotate the secret of ${client.name} (${client.clientId})`);
        rotate.addEventListener("click", () => void rotateSecret(client, rotate));
        actions.append(rotate, " ");
      }
      const remove = newButton(`Delete ${client.name}`, "danger");
      remove.setAttribute("aria-label", `Delete ${client.name} (${client.clientId})`);
      remove.addEventListener("click", () => void deleteClient(client, remove));
      actions.append(remove);
    }
    table.hidden = clients.length === 0;
    status.textContent = clients.length === 0 ? "No clients are registered." : `${clients.length} ${clients.length === 1 ? "client is" : "clients are"} registered.`;
  }

  async function load(): Promise<void> {
    render((await auth.admin.listClients()).clients);
  }

  function showSecret(made: ClientWithSecret): void {
    if (!made.clientSecret) {
      hideSecret();
      return;
    }
    element("secret-heading").textContent = `New client secret of ${made.client.name}`;
    element<HTMLInputElement>("secret-client-id").value = made.client.clientId;
    secretValue.value = made.clientSecret;
    copyStatus.textContent = "";
    secretSection.hidden = false;
    element("secret-heading").focus();
  }

  function hideSecret(): void {
    secretValue.value = "";
    element<HTMLInputElement>("secret-client-id").value = "";
    secretSection.hidden = true;
  }

  /** The form as a registration; what is missing or contradictory is said at its field before anything is sent. */
  function registration(data: FormData): ClientRegistrationRequest {
    const confidential = data.has("confidential");
    const signsUsersIn = data.has("authorizationCode");
    const machine = data.has("clientCredentials");
    const redirectUris = lines(field(data, "redirectUris"));
    requireField(data, "name", "Enter a name: people see it when they sign in through the client.");
    if (!signsUsersIn && !machine) throw new FieldError("grantTypes", "Choose at least one grant: signing users in, or client credentials.");
    if (machine && !confidential) throw new FieldError("type", "The client credentials grant needs a confidential client: tick Confidential too.");
    if (signsUsersIn && redirectUris.length === 0) throw new FieldError("redirectUris", "Enter at least one redirect URI: a client that signs users in needs one.");
    return {
      name: field(data, "name"),
      type: confidential ? "confidential" : "public",
      redirectUris,
      postLogoutRedirectUris: lines(field(data, "postLogoutRedirectUris")),
      grantTypes: [...(signsUsersIn ? (["authorization_code", "refresh_token"] as const) : []), ...(machine ? (["client_credentials"] as const) : [])],
    };
  }

  onSubmit(
    form,
    async (data) => {
      const createStatus = element("create-status");
      createStatus.textContent = "";
      const made = await auth.admin.createClient(registration(data));
      form.reset();
      await load().catch((error: unknown) => (listError.textContent = describe(error)));
      createStatus.textContent = `${made.client.name} is registered with the client ID ${made.client.clientId}.${made.clientSecret ? " Its secret is shown above, this once." : ""}`;
      // A secret takes focus (it is to be copied now); otherwise the sentence that says it is done.
      if (made.clientSecret) showSecret(made);
      else focusOn(createStatus);
    },
    (error) => (closeConsoleIfNotAdmin(error) ? "" : describe(error)),
  );

  async function deleteClient(client: OAuthClient, button: HTMLButtonElement): Promise<void> {
    const confirmed = await confirmAction({
      title: `Delete the client ${client.name}?`,
      text: `Its authorization codes, refresh tokens and machine tokens stop working at once, and the client ID ${client.clientId} can no longer sign anyone in. This cannot be undone.`,
      confirm: `Delete ${client.name}`,
    });
    if (!confirmed) return;
    await runAction(
      button,
      { status, error: listError },
      async () => {
        await auth.admin.deleteClient(client.clientId);
        if (element<HTMLInputElement>("secret-client-id").value === client.clientId) hideSecret();
        await load();
        return `${client.name} (${client.clientId}) is deleted. ${status.textContent}`;
      },
      describe,
      () => element("clients-heading"),
    );
  }

  async function rotateSecret(client: OAuthClient, button: HTMLButtonElement): Promise<void> {
    const confirmed = await confirmAction({
      title: `Rotate the secret of ${client.name}?`,
      text: `A new secret is made and shown once; the current secret of ${client.clientId} stops working at once.`,
      confirm: `Rotate the secret of ${client.name}`,
    });
    if (!confirmed) return;
    let made: ClientWithSecret | undefined;
    await runAction(
      button,
      { status, error: listError },
      async () => {
        made = await auth.admin.updateClient(client.clientId, { rotateSecret: true });
        return `${client.name} has a new secret, shown above this once.`;
      },
      describe,
      () => {
        if (made) showSecret(made);
        return made?.clientSecret ? element("secret-heading") : undefined;
      },
    );
  }

  element("copy-secret").addEventListener("click", () => {
    // navigator.clipboard exists in secure contexts only (https, localhost).
    (navigator.clipboard ? navigator.clipboard.writeText(secretValue.value) : Promise.reject(new Error("no clipboard"))).then(
      () => (copyStatus.textContent = "The client secret is copied."),
      () => {
        copyStatus.textContent = "The browser did not allow copying: the secret is selected, copy it yourself.";
        secretValue.select();
      },
    );
  });

  element("hide-secret").addEventListener("click", () => {
    hideSecret();
    element("clients-heading").focus();
  });

  try {
    await load();
  } catch (error) {
    status.textContent = "";
    if (!closeConsoleIfNotAdmin(error)) listError.textContent = describe(error);
  }
}
