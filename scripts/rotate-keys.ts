// npm run rotate-keys -- [--stage <stage>] [--region <region>]
//
// One step of a token signing key rotation (lib/keys/key-set.ts `rotate`). Without
// --stage (or with --stage local) it works on the key files in the data folder
// of `npm start` (AUTH_DATA_DIR, default .data), running or not. With another
// stage it uses your AWS credentials and region (AWS_REGION, your profile or
// --region) on that stage's SSM parameters `/auth-api/<stage>/public-keys`
// (String) and `/auth-api/<stage>/signing-keys` (SecureString), creating them
// on the first run (the first key signs at once).
//
// Each run: prunes published keys whose tokens have all expired, drops the
// private part of keys that no longer sign, and publishes a new key that signs
// only after every verifier can know it, unless one is already waiting (so
// running it twice adds one key). The public set is always written first.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { AwsCallError, awsJson } from "../lib/platform/aws-json.js";
import { parseKeySet, rotate, type KeySet, type RotationResult } from "../lib/keys/key-set.js";
import { localTiming, rotateLocalKeys, rotationTiming } from "./key-files.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const usage = "usage: npm run rotate-keys -- [--stage <stage>] [--region <region>]";

/** The deployed timing: the defaults of serverless.yml (same environment variables), 60 s for clocks. */
const DEPLOYED = { reload: 300, maxAge: 600, skew: 60 };

async function rotateStage(stage: string, region: string | undefined): Promise<RotationResult> {
  // The SDK's default credential chain (environment, profile, SSO, instance role), borrowed from
  // a client we already depend on; the calls themselves are two plain signed requests.
  const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  const client = new DynamoDBClient(region ? { region } : {});
  process.env.AWS_REGION = await client.config.region();
  const credentials = await client.config.credentials();
  client.destroy();
  const names = { private: `/auth-api/${stage}/signing-keys`, public: `/auth-api/${stage}/public-keys` };
  const ssm = <T>(target: string, body: unknown) => awsJson<T>({ service: "ssm", target: `AmazonSSM.${target}`, jsonVersion: "1.1", body, credentials });

  const read = async (name: string): Promise<KeySet> => {
    try {
      const { Parameter } = await ssm<{ Parameter: { Value: string } }>("GetParameter", { Name: name, WithDecryption: true });
      return parseKeySet(Parameter.Value, name);
    } catch (error) {
      if (error instanceof AwsCallError && error.type === "ParameterNotFound") return { keys: [] };
      throw error;
    }
  };
  const result = rotate(await read(names.private), await read(names.public), Math.floor(Date.now() / 1000), rotationTiming(DEPLOYED));
  // Intelligent-Tiering: two 2048-bit private JWKs come close to the standard tier's 4 KB.
  await ssm("PutParameter", { Name: names.public, Type: "String", Overwrite: true, Tier: "Intelligent-Tiering", Value: JSON.stringify(result.publicSet) });
  await ssm("PutParameter", { Name: names.private, Type: "SecureString", Overwrite: true, Tier: "Intelligent-Tiering", Value: JSON.stringify(result.privateSet) });
  return result;
}

const at = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { stage: { type: "string", default: "local" }, region: { type: "string" } },
  });
  if (positionals.length > 0) throw new Error(usage);
  const stage = values.stage!;
  const result =
    stage === "local"
      ? rotateLocalKeys(resolve(root, process.env.AUTH_DATA_DIR || ".data"), localTiming())
      : await rotateStage(stage, values.region);

  for (const kid of result.pruned) console.log(`pruned ${kid}: every token it signed has expired`);
  if (result.added && !result.pending) console.log(`created key ${result.added.kid}: it signs from now (first key of the stage)`);
  else if (result.added) console.log(`published key ${result.added.kid}: it signs from ${at(result.added.activatesAt)}`);
  else if (result.pending) console.log(`key ${result.pending.kid} is already waiting to sign from ${at(result.pending.activatesAt)}: nothing added`);
  console.log(`published keys: ${result.publicSet.keys.map((key) => key.kid).join(", ")}`);
}

main().catch((error: unknown) => {
  console.error(`rotate-keys: ${(error as Error).message}`);
  process.exit(1);
});
