#!/usr/bin/env -S node --
/**
 * The `coffer` executable: hands argv to the CLI and sets the exit code. Kept tiny so that
 * start-up cost is only what main.ts needs to declare the commands. The build bundles it, with
 * what it imports, into dist/cli/coffer-bundle.cjs (scripts/bundle-cli.mjs), run by dist/cli/coffer.cjs; it avoids top-level
 * await, which CommonJS does not have.
 *
 * The `--` in the shebang ends Node's own option parsing: Node 20 otherwise takes a script
 * argument `--env-file PATH` for its own flag and exits 9 when PATH does not exist
 * (nodejs/node#54232), before `coffer validate --env-file` can run.
 */
import { main } from './main.js';

// The AWS SDK prints a NodeVersionSupportWarning on stderr under Node 20 when its first client
// is created (by the aws-secrets-manager provider); it concerns the SDK's future releases, not
// this command, and would break output that scripts read. A value the user set is kept.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

void main(process.argv).then((code) => {
  process.exitCode = code;
});
