// Serverless plugin: stage throttling in the CloudFormation template.
//
// The framework applies REST stage settings through the SDK after a deploy,
// outside the template; this puts them in the template instead, as the
// StageDescription of the API's Deployment resource. Configuration:
//
//   custom:
//     throttling:
//       default: { rateLimit: 100, burstLimit: 200 }       # the whole stage
//       paths:                                             # tighter per path prefix
//         auth/: { rateLimit: 10, burstLimit: 20 }
"use strict";

// CloudFormation wants "/auth/signin" as "/~1auth~1signin".
const encodePath = (path) => `/${`/${path}`.replace(/\//g, "~1")}`;

class StageThrottling {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { "after:package:compileEvents": () => this.addThrottling() };
  }

  addThrottling() {
    const { service } = this.serverless;
    const settings = service.custom && service.custom.throttling;
    if (!settings) return;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const deployment = Object.values(resources).find((resource) => resource.Type === "AWS::ApiGateway::Deployment");
    if (!deployment) return;

    const methodSettings = [];
    for (const fn of Object.values(service.functions)) {
      for (const event of fn.events || []) {
        if (!event.http) continue;
        const path = event.http.path.replace(/^\//, "");
        const prefix = Object.keys(settings.paths || {}).find((p) => path.startsWith(p));
        if (!prefix) continue;
        methodSettings.push({
          ResourcePath: encodePath(path),
          HttpMethod: event.http.method.toUpperCase(),
          ThrottlingRateLimit: settings.paths[prefix].rateLimit,
          ThrottlingBurstLimit: settings.paths[prefix].burstLimit,
        });
      }
    }
    deployment.Properties.StageDescription = {
      ThrottlingRateLimit: settings.default.rateLimit,
      ThrottlingBurstLimit: settings.default.burstLimit,
      MethodSettings: methodSettings,
    };
  }
}

module.exports = StageThrottling;
