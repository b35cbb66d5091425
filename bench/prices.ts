// AWS list prices (us-east-1) and the peers' published per-MAU prices, each
// with the date it was read. Update them here; the cost section reads them.
export const PRICES = Object.freeze({
  /** Lambda arm64, per GB-second (first tier). */
  lambdaGbSecond: 0.0000133334,
  /** Lambda, per request. */
  lambdaRequest: 0.2 / 1e6,
  /** DynamoDB on-demand, standard table class, per read / write request unit. */
  dynamodbReadUnit: 0.125 / 1e6,
  dynamodbWriteUnit: 0.625 / 1e6,
  /** DynamoDB storage, per GB-month (standard table class). */
  dynamodbStorageGbMonth: 0.25,
  /** API Gateway REST API, per request (first 333 million a month). */
  apiGatewayRequest: 3.5 / 1e6,
  /** SES outbound email, per message. */
  sesMessage: 0.1 / 1000,
  /** CloudWatch Logs ingestion (standard), per GB. */
  cloudWatchLogsGb: 0.5,
});

export const PRICE_NOTES = [
  "Prices, us-east-1, as AWS lists them (read 2026-11-23; AWS's pricing pages render their tables client-side, so the",
  "figures were taken from AWS documentation and from sources quoting the AWS Price List): Lambda arm64 $0.0000133334",
  "per GB-s (first 7.5 billion GB-s a month) and $0.20 per 1M requests; DynamoDB on-demand, standard table class,",
  "$0.125 per 1M read and $0.625 per 1M write request units (since the November 2024 price cut) and $0.25 per",
  "GB-month; API Gateway REST $3.50 per 1M requests (first 333 million); SES $0.10 per 1,000 emails (pay per use;",
  "the newer SES Essentials plan is $0.16); CloudWatch Logs $0.50 per GB ingested. Free tiers and credits are left out.",
  "Parameter Store standard parameters and standard throughput cost nothing.",
];

/** The peers, as they publish their prices. */
export const PEER_NOTES = [
  "",
  "Peers. Amazon Cognito user pools (aws.amazon.com/cognito/pricing, read 2026-11-23 through a copy of its worked",
  "examples dated 2026-09-20): Lite $0.0055 per MAU above 10,000 free, $0.0046 from 100,001 (and $0.00325 from",
  "1,000,001, the band we could not confirm), Essentials (the default plan) $0.015 per MAU above 10,000 free,",
  "Plus $0.02 per MAU with no free tier; emails beyond Cognito's built-in 50 a day go through SES at SES prices.",
  "Auth0 (auth0.com/pricing, read through a copy dated 2026-09-20): Free up to 25,000 MAU with a reduced feature set;",
  "B2C Essentials from $35 a month and Professional from $240 a month for the first few hundred to 1,000 MAU; no",
  "self-serve price is published at 10,000 MAU or above (Enterprise, quoted by sales), so it has no column here.",
];
