// Runs before each test file's imports: lib/config reads the environment once.
import { inject } from "vitest";

process.env.DYNAMODB_ENDPOINT = inject("dynamodbEndpoint");
process.env.SIGNING_KEYS_FILE = inject("signingKeysFile");
process.env.PUBLIC_KEYS_FILE = inject("publicKeysFile");
process.env.SERVER_SECRET_FILE = inject("serverSecretFile");
process.env.USERS_TABLE = "auth-api-test-users";
process.env.SESSIONS_TABLE = "auth-api-test-sessions";
process.env.EVENTS_TABLE = "auth-api-test-events";
process.env.SES_ENDPOINT = inject("mailUrl");
process.env.LAMBDA_ENDPOINT = inject("lambdaUrl");
process.env.BCRYPT_COST = "10"; // the lowest cost the service accepts (config.ts), and the fastest
process.env.LOG_LEVEL = "silent";
