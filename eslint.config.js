// Lint rules of the house (run by npm test): TypeScript's recommended rules, no import cycles,
// and the directions the layers may depend on each other in.
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

const SERVICES = ["kinesis", "dynamodb", "cloudwatch"];
const notFrom = (target, from, message) => ({ target, from, message });

export default tseslint.config(
  { ignores: ["dist/", "tools/dist/", "node_modules/", "**/generated/", "data/"] },
  ...tseslint.configs.recommended,
  importX.flatConfigs.typescript,
  {
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: ["tsconfig.json", "tools/tsconfig.json"], noWarnOnMultipleProjects: true })],
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "import-x/no-cycle": "error",
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            notFrom("./src/shards", "./src/!(shards)/**", "src/shards is pure hash-range logic: it imports nothing else of ours."),
            notFrom(
              "./src/jetstream",
              ["./src/http", "./src/system", ...SERVICES.map((s) => `./src/${s}`)],
              "The engine speaks its own words: it knows no HTTP, no AWS service, no process.",
            ),
            notFrom(
              "./src/http",
              ["./src/jetstream", ...SERVICES.map((s) => `./src/${s}`)],
              "The front door knows no service and no engine: services plug into it.",
            ),
            ...SERVICES.map((s) =>
              notFrom(
                `./src/${s}`,
                SERVICES.filter((o) => o !== s).map((o) => `./src/${o}`),
                "A service does not reach into another service.",
              ),
            ),
            notFrom(
              "./src/kinesis/operations/!(index).ts",
              "./src/kinesis/operations",
              "Operations don't borrow from each other: shared pieces live in changes/ or resources/.",
            ),
            notFrom("./src", "./tools", "The server does not depend on its tools."),
            notFrom("./src", "./test", "The server does not depend on its tests."),
          ],
        },
      ],
    },
  },
  {
    // Tests may assert loosely typed wire shapes.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
