// Runs before each test file's imports: lib/config reads the environment once.
import { inject } from "vitest";

process.env.DYNAMODB_ENDPOINT = inject("dynamodbEndpoint");
process.env.JWT_SECRET_FILE = inject("jwtSecretFile");
process.env.SERVER_SECRET_FILE = inject("serverSecretFile");
process.env.USERS_TABLE = "auth-api-test-users";
process.env.SESSIONS_TABLE = "auth-api-test-sessions";
process.env.EVENTS_TABLE = "auth-api-test-events";
process.env.SES_ENDPOINT = inject("mailUrl");
process.env.LAMBDA_ENDPOINT = inject("lambdaUrl");
process.env.BCRYPT_COST = "4"; // bcrypt's minimum: the rules are the same, the tests are faster
process.env.LOG_LEVEL = "silent";
