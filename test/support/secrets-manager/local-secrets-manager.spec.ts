import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { LocalSecretsManager } from './local-secrets-manager.js';
import { localClient } from './helpers.js';

/** The endpoint must behave as AWS documents it, or the provider tests prove nothing. */
describe('LocalSecretsManager', () => {
  const local = new LocalSecretsManager();
  let client: SecretsManagerClient;
  const error = (promise: Promise<unknown>): Promise<string> =>
    promise.then(
      () => 'no error',
      (e: Error) => e.name,
    );

  beforeAll(async () => {
    await local.start();
    client = localClient(local.endpoint);
  });

  afterAll(async () => {
    client.destroy();
    await local.stop();
  });

  it('speaks awsJson1_1: epoch-second timestamps, errors as {"__type","message"} with their HTTP status', async () => {
    await client.send(new CreateSecretCommand({ Name: 'raw', SecretString: 'v1' }));
    const call = (target: string, body: unknown, auth = 'AWS4-HMAC-SHA256 Credential=x') =>
      fetch(local.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `secretsmanager.${target}`,
          authorization: auth,
        },
        body: JSON.stringify(body),
      });
    const ok = await call('GetSecretValue', { SecretId: 'raw' });
    expect(ok.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    const value = (await ok.json()) as { CreatedDate: number; SecretString: string };
    expect(typeof value.CreatedDate).toBe('number');
    expect(Math.abs(value.CreatedDate - Date.now() / 1000)).toBeLessThan(60);
    const missing = await call('GetSecretValue', { SecretId: 'nope' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ __type: 'ResourceNotFoundException', message: expect.any(String) });
    local.fail({ type: 'InternalServiceError' });
    expect((await call('GetSecretValue', { SecretId: 'raw' })).status).toBe(500);
    expect(((await (await call('Frobnicate', {})).json()) as { __type: string }).__type).toBe(
      'UnknownOperationException',
    );
    expect(((await (await call('GetSecretValue', {}, '')).json()) as { __type: string }).__type).toBe(
      'MissingAuthenticationTokenException',
    );
  });

  it('moves AWSCURRENT to AWSPREVIOUS on PutSecretValue, and honours ClientRequestToken', async () => {
    const first = await client.send(new CreateSecretCommand({ Name: 'staged', SecretString: 'one' }));
    const token = '11111111-2222-4333-8444-555555555555';
    const second = await client.send(
      new PutSecretValueCommand({ SecretId: 'staged', SecretString: 'two', ClientRequestToken: token }),
    );
    expect(second.VersionId).toBe(token);
    expect(local.stagesOf('staged')).toEqual({ [first.VersionId!]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] });
    // The same token and value: a retry, ignored. Another value: refused.
    await client.send(
      new PutSecretValueCommand({ SecretId: 'staged', SecretString: 'two', ClientRequestToken: token }),
    );
    expect(
      await error(
        client.send(
          new PutSecretValueCommand({ SecretId: 'staged', SecretString: 'other', ClientRequestToken: token }),
        ),
      ),
    ).toBe('ResourceExistsException');
    const third = await client.send(new PutSecretValueCommand({ SecretId: 'staged', SecretString: 'three' }));
    const listed = await client.send(new ListSecretVersionIdsCommand({ SecretId: 'staged' }));
    expect(listed.Versions?.map((v) => v.VersionId).sort()).toEqual([token, third.VersionId].sort());
    const all = await client.send(new ListSecretVersionIdsCommand({ SecretId: 'staged', IncludeDeprecated: true }));
    expect(all.Versions).toHaveLength(3);
    expect(all.Versions?.every((v) => v.CreatedDate instanceof Date)).toBe(true);
  });

  it('reads by stage or by version, and refuses a version without that stage', async () => {
    const created = await client.send(new CreateSecretCommand({ Name: 'read', SecretString: 'one' }));
    await client.send(
      new PutSecretValueCommand({ SecretId: 'read', SecretString: 'pending', VersionStages: ['AWSPENDING'] }),
    );
    expect(
      (await client.send(new GetSecretValueCommand({ SecretId: 'read', VersionStage: 'AWSPENDING' }))).SecretString,
    ).toBe('pending');
    expect(
      (await client.send(new GetSecretValueCommand({ SecretId: 'read', VersionId: created.VersionId }))).SecretString,
    ).toBe('one');
    expect(
      await error(
        client.send(
          new GetSecretValueCommand({ SecretId: 'read', VersionId: created.VersionId, VersionStage: 'AWSPENDING' }),
        ),
      ),
    ).toBe('ResourceNotFoundException');
  });

  it('UpdateSecretVersionStage moves a label only from the version that holds it', async () => {
    const created = await client.send(new CreateSecretCommand({ Name: 'labels', SecretString: 'one' }));
    const next = await client.send(
      new PutSecretValueCommand({ SecretId: 'labels', SecretString: 'two', VersionStages: ['AWSPENDING'] }),
    );
    expect(
      await error(
        client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: 'labels',
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: next.VersionId,
          }),
        ),
      ),
    ).toBe('InvalidParameterException');
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'labels',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: next.VersionId,
        RemoveFromVersionId: created.VersionId,
      }),
    );
    expect(local.stagesOf('labels')).toEqual({
      [created.VersionId!]: ['AWSPREVIOUS'],
      [next.VersionId!]: ['AWSPENDING', 'AWSCURRENT'],
    });
  });

  it('answers a slow fault after the delay, and a malformed one with a body that is not JSON', async () => {
    await client.send(new CreateSecretCommand({ Name: 'faults', SecretString: 'v' }));
    local.fail({ type: 'slow', ms: 1000 }, { operation: 'GetSecretValue' });
    expect(
      await error(
        client.send(new GetSecretValueCommand({ SecretId: 'faults' }), { abortSignal: AbortSignal.timeout(100) }),
      ),
    ).toBe('AbortError');
    local.fail({ type: 'malformed' });
    expect(await error(client.send(new GetSecretValueCommand({ SecretId: 'faults' })))).toBe('SyntaxError');
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'faults' }))).SecretString).toBe('v');
  });
});
