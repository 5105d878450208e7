import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-nats.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Compat tests spawn the AWS CLI and Python: keep the machine's two cores from thrashing.
    maxWorkers: 2,
    // The suite runs on Node 24 and on the machine's Node; on Node 20 the AWS SDK clients of the
    // tests would each warn that SDK releases from 2027 need Node 22 (known, and said in the README).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
