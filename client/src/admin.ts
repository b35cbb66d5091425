/** Routes for callers with the admin role: users, their roles, their events, their identities, their second factors; the OAuth clients. */
import type { Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import type {
  ClientBody,
  ClientList,
  ClientRegistrationRequest,
  ClientUpdateRequest,
  ClientWithSecret,
  EventList,
  IdentityList,
  ListQuery,
  RolesRequest,
  UserBody,
  UserList,
  UserListQuery,
  UserUpdateRequest,
} from "./types.js";

export function adminRoutes(transport: Transport) {
  return {
    /** GET /users (`email` finds one account, exact and case-insensitive) */
    listUsers: (query: UserListQuery = {}) => transport.call<UserList>(callFor(ROUTES.listUsers, { query: { ...query } }), "bearer"),
    /** GET /users/{id} */
    getUser: (id: string) => transport.call<UserBody>(callFor(ROUTES.getUser, { params: { id } }), "bearer"),
    /** PATCH /users/{id}: `{ disabled: true }` ends the user's sessions at once. */
    updateUser: (id: string, body: UserUpdateRequest) =>
      transport.call<UserBody>(callFor(ROUTES.updateUser, { params: { id }, body }), "bearer"),
    /** DELETE /users/{id} */
    deleteUser: (id: string) => transport.call<void>(callFor(ROUTES.deleteUser, { params: { id } }), "bearer"),
    /** PUT /users/{id}/roles: replaces the roles. */
    setUserRoles: (id: string, body: RolesRequest) =>
      transport.call<UserBody>(callFor(ROUTES.setUserRoles, { params: { id }, body }), "bearer"),
    /** DELETE /users/{id}/mfa: removes every second factor of the user (TOTP, recovery codes, passkeys), ends its sessions and emails the owner. */
    resetMfa: (id: string) => transport.call<void>(callFor(ROUTES.resetUserMfa, { params: { id } }), "bearer"),
    /** GET /users/{id}/events */
    userEvents: (id: string, query: ListQuery = {}) =>
      transport.call<EventList>(callFor(ROUTES.listUserEvents, { params: { id }, query: { ...query } }), "bearer"),
    /** GET /users/{id}/identities: the outside accounts linked to the user (`provider`, `email` when the provider gave one, `linkedAt`). */
    userIdentities: (id: string) => transport.call<IdentityList>(callFor(ROUTES.listUserIdentities, { params: { id } }), "bearer"),
    /** POST /oauth2/clients: registers a client of the OpenID provider; a confidential one's `clientSecret` is answered this once. */
    createClient: (body: ClientRegistrationRequest) => transport.call<ClientWithSecret>(callFor(ROUTES.createClient, { body }), "bearer"),
    /** GET /oauth2/clients */
    listClients: () => transport.call<ClientList>(callFor(ROUTES.listClients), "bearer"),
    /** GET /oauth2/clients/{clientId} */
    getClient: (clientId: string) => transport.call<ClientBody>(callFor(ROUTES.getClient, { params: { clientId } }), "bearer"),
    /** PATCH /oauth2/clients/{clientId}: `{ rotateSecret: true }` answers the new `clientSecret` once; the old one stops working. */
    updateClient: (clientId: string, body: ClientUpdateRequest) =>
      transport.call<ClientWithSecret>(callFor(ROUTES.updateClient, { params: { clientId }, body }), "bearer"),
    /** DELETE /oauth2/clients/{clientId}: its codes, refresh tokens and machine tokens stop working. */
    deleteClient: (clientId: string) => transport.call<void>(callFor(ROUTES.deleteClient, { params: { clientId } }), "bearer"),
  };
}
