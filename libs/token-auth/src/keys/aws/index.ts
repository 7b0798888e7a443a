/// <reference types="node" preserve="true" />
// The declarations use Node's types (Buffer, node:crypto): an app with a restricted `types` list still gets them.
export {
  AwsSecretsManagerKeyProvider,
  type AwsSecretsManagerKeyProviderOptions,
} from './aws-secrets-manager.key-provider.js';
export { SecretsManagerError } from './secrets-manager.error.js';
export {
  rotateSecret,
  createSecretRing,
  readSecretRing,
  rotationRequestToken,
  type SecretRotationOptions,
  type SecretRotationOutcome,
} from './secret-rotation.js';
export { createRotationHandler, type RotationEvent, type RotationHandlerOptions } from './rotation-handler.js';
