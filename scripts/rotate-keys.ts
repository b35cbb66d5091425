// npm run rotate-keys -- [--stage <stage>] [--region <region>]
//
// One step of a token signing key rotation (lib/keys/key-set.ts `rotate`). Without
// --stage (or with --stage local) it works on the key files in the data folder
// of `npm start` (AUTH_DATA_DIR, default .data), running or not, with the
// local timing (scripts/key-files.ts: the same environment variables as `npm
// start`). With another stage it uses your AWS credentials and region
// (AWS_REGION, your profile or --region) on that stage's SSM parameters
// `/auth-api/<stage>/public-keys` (String) and `/auth-api/<stage>/signing-keys`
// (SecureString), creating them on the first run (the first key signs at once),
// and takes its timing from the stage itself: `/auth-api/<stage>/key-timing`,
// the settings the stage was deployed with (serverless.yml), never from this
// shell. Without that parameter (a stage not deployed yet, or deployed by an
// older version) it warns and uses the longest timing (FALLBACK_KEY_TIMING).
//
// Each run: prunes published keys whose tokens have all expired, drops the
// private part of keys that no longer sign, and publishes a new key that signs
// only after every verifier can know it, unless one is already waiting (so
// running it twice adds one key). The public set is always written first.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { AwsCallError, awsJson } from "../lib/platform/aws-json.js";
import {
  DEPLOYED_CLOCK_SKEW_SECONDS,
  FALLBACK_KEY_TIMING,
  parseKeySet,
  parseKeyTiming,
  rotate,
  rotationTiming,
  type KeySet,
  type KeyTimingSettings,
  type RotationResult,
  type RotationTiming,
} from "../lib/keys/key-set.js";
import { localTiming, rotateLocalKeys } from "./key-files.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const usage = "usage: npm run rotate-keys -- [--stage <stage>] [--region <region>]";

const duration = (seconds: number) => {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  return [hours && `${hours} h`, minutes && `${minutes} min`, (rest || seconds === 0) && `${rest} s`].filter(Boolean).join(" ");
};

function describeTiming(timing: RotationTiming, source: string): string {
  return `timing (${source}): a new key signs ${duration(timing.activationDelaySeconds)} after it is published; a retired key is unpublished ${duration(timing.accessTokenTtlSeconds + timing.clockSkewSeconds)} after it stopped signing`;
}

async function rotateStage(stage: string, region: string | undefined): Promise<RotationResult> {
  // The SDK's default credential chain (environment, profile, SSO, instance role), borrowed from
  // a client we already depend on; the calls themselves are plain signed requests.
  const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  const client = new DynamoDBClient(region ? { region } : {});
  process.env.AWS_REGION = await client.config.region();
  const credentials = await client.config.credentials();
  client.destroy();
  const names = { private: `/auth-api/${stage}/signing-keys`, public: `/auth-api/${stage}/public-keys` };
  const ssm = <T>(target: string, body: unknown) => awsJson<T>({ service: "ssm", target: `AmazonSSM.${target}`, jsonVersion: "1.1", body, credentials });

  const get = async (name: string): Promise<string | undefined> => {
    try {
      const { Parameter } = await ssm<{ Parameter: { Value: string } }>("GetParameter", { Name: name, WithDecryption: true });
      return Parameter.Value;
    } catch (error) {
      if (error instanceof AwsCallError && error.type === "ParameterNotFound") return undefined;
      throw error;
    }
  };
  const read = async (name: string): Promise<KeySet> => {
    const text = await get(name);
    return text === undefined ? { keys: [] } : parseKeySet(text, name);
  };

  const privateSet = await read(names.private);
  const publicSet = await read(names.public);

  // The stage's own settings, as deployed (serverless.yml), not this shell's.
  const timingName = `/auth-api/${stage}/key-timing`;
  const timingText = await get(timingName);
  const settings: KeyTimingSettings = timingText === undefined ? FALLBACK_KEY_TIMING : parseKeyTiming(timingText, timingName);
  // The first key of a stage signs at once: no timing applies, and the stage is usually not deployed yet.
  if (timingText === undefined && publicSet.keys.length + privateSet.keys.length > 0) {
    console.warn(
      `rotate-keys: warning: ${timingName} not found (the stage was deployed by a version that did not record its settings, or not at all); ` +
        `using the longest timing ${JSON.stringify(settings)}. Deploy the stage to record its own.`,
    );
  }
  const timing = rotationTiming(settings, DEPLOYED_CLOCK_SKEW_SECONDS);
  console.log(describeTiming(timing, timingText === undefined ? "fallback" : timingName));

  const result = rotate(privateSet, publicSet, Math.floor(Date.now() / 1000), timing);
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
  let result: RotationResult;
  if (stage === "local") {
    const timing = localTiming();
    console.log(describeTiming(timing, "local"));
    result = rotateLocalKeys(resolve(root, process.env.AUTH_DATA_DIR || ".data"), timing);
  } else {
    result = await rotateStage(stage, values.region);
  }

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
