import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-nats.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Compat tests spawn the AWS CLI and Python: keep the machine's two cores from thrashing.
    maxWorkers: 2,
  },
});
