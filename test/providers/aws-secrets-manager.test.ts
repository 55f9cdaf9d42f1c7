process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import createAwsSecretsManagerProvider from '../../src/providers/aws-secrets-manager.js';
import { describeProviderConformance } from '../conformance/provider-suite.js';
import { startFakeAws } from './_fake-aws-secrets-manager.js';

describeProviderConformance('aws-secrets-manager', async () => {
  const fake = await startFakeAws();
  const provider = createAwsSecretsManagerProvider({ prefix: 'app/test/' }, { env: fake.env });
  return { provider, cleanup: async () => { await provider.close(); await fake.close(); } };
});
