/** The admin routes of OAuth client registration (/oauth2/clients): each its own function. */
import { allClients, findClient, registerClient, removeClient, updateClient } from "../../lib/clients/clients.js";
import { parseClientId, parseClientRegistration, parseClientUpdate } from "../../lib/clients/input.js";
import { json, noContent, protectedRoute } from "../../lib/http/routes.js";

const admin = { roles: ["admin"] } as const;

export const createClientHandler = protectedRoute({ body: "json", ...admin }, async ({ body }) =>
  json(201, await registerClient(parseClientRegistration(body))),
);

export const listClientsHandler = protectedRoute({ body: "none", ...admin }, async () => json(200, { clients: await allClients() }));

export const getClientHandler = protectedRoute({ body: "none", ...admin }, async ({ event }) =>
  json(200, { client: await findClient(parseClientId(event.pathParameters?.clientId)) }),
);

export const updateClientHandler = protectedRoute({ body: "json", ...admin }, async ({ event, body }) => {
  return json(200, await updateClient(parseClientId(event.pathParameters?.clientId), (type) => parseClientUpdate(body, type)));
});

export const deleteClientHandler = protectedRoute({ body: "none", ...admin }, async ({ event }) => {
  await removeClient(parseClientId(event.pathParameters?.clientId));
  return noContent();
});
