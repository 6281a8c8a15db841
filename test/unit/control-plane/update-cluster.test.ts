// CreateCluster's and UpdateCluster's configuration (execute command logging), and UpdateCluster's settings.
import t from 'tap';
import type { UpdateClusterRequest__Output } from '../../../proto/gen/ecs/v1/UpdateClusterRequest.js';
import { createCluster, describeClusters, updateCluster } from '../../../control-plane/src/services/clusters.js';
import { compact, createClusterRequest, testContext, throwsEcs } from './fixtures.js';

const req = (over: Partial<UpdateClusterRequest__Output> = {}): UpdateClusterRequest__Output => compact({ cluster: 'default', settings: [], ...over });

t.test('a cluster shows configuration only once it is set; UpdateCluster sets and replaces it', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const created = createCluster(ctx, createClusterRequest({ clusterName: 'default' })).cluster;
  t.notOk('configuration' in created, 'no configuration key when none was set');
  const updated = updateCluster(ctx, req({ configuration: { executeCommandConfiguration: { logging: 'NONE' } } })).cluster;
  t.strictSame(updated.configuration, { executeCommandConfiguration: { logging: 'NONE' } });
  t.strictSame(describeClusters(ctx, ['default'], []).clusters[0]!.configuration, { executeCommandConfiguration: { logging: 'NONE' } });
  const override = {
    executeCommandConfiguration: {
      kmsKeyId: 'key-1',
      logging: 'OVERRIDE',
      logConfiguration: { cloudWatchLogGroupName: 'exec', cloudWatchEncryptionEnabled: true, s3BucketName: null as unknown as string },
    },
  };
  const replaced = updateCluster(ctx, req({ cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/default', configuration: override })).cluster;
  t.strictSame(replaced.configuration, {
    executeCommandConfiguration: { kmsKeyId: 'key-1', logging: 'OVERRIDE', logConfiguration: { cloudWatchLogGroupName: 'exec', cloudWatchEncryptionEnabled: true } },
  });
  const untouched = updateCluster(ctx, req({ settings: [{ name: 'containerInsights', value: 'enabled' }] })).cluster;
  t.equal(untouched.configuration?.executeCommandConfiguration?.logging, 'OVERRIDE', 'a request without configuration leaves it');
  t.strictSame(untouched.settings, [{ name: 'containerInsights', value: 'enabled' }], 'a setting replaces the one of the same name');
});

t.test('CreateCluster takes a configuration, validated as UpdateCluster validates it', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  const c = createCluster(ctx, createClusterRequest({ clusterName: 'audited', configuration: { executeCommandConfiguration: { logging: 'DEFAULT' } } })).cluster;
  t.strictSame(c.configuration, { executeCommandConfiguration: { logging: 'DEFAULT' } });
  throwsEcs(
    t,
    () => createCluster(ctx, createClusterRequest({ clusterName: 'bad', configuration: { executeCommandConfiguration: { logging: 'ALL' } } })),
    'InvalidParameterException',
    ['configuration.executeCommandConfiguration.logging'],
  );
  t.equal(ctx.store.getCluster('bad'), undefined, 'nothing was created');
});

t.test('UpdateCluster refuses what ECS refuses', async (t) => {
  const { ctx, close } = testContext();
  t.teardown(close);
  createCluster(ctx, createClusterRequest({ clusterName: 'default' }));
  const exec = (e: object) => req({ configuration: { executeCommandConfiguration: e } });
  throwsEcs(t, () => updateCluster(ctx, req({ cluster: '' })), 'InvalidParameterException', ['cluster is required.']);
  throwsEcs(t, () => updateCluster(ctx, req({ cluster: 'nope' })), 'ClusterNotFoundException', ['Cluster not found.']);
  throwsEcs(t, () => updateCluster(ctx, exec({ logging: 'VERBOSE' })), 'InvalidParameterException', [
    "Invalid value for configuration.executeCommandConfiguration.logging: 'VERBOSE'. Valid values: NONE, DEFAULT, OVERRIDE.",
  ]);
  throwsEcs(t, () => updateCluster(ctx, exec({ logging: 'OVERRIDE' })), 'InvalidParameterException', [
    'configuration.executeCommandConfiguration.logConfiguration must be specified when logging is OVERRIDE.',
  ]);
  throwsEcs(t, () => updateCluster(ctx, exec({ logging: 'OVERRIDE', logConfiguration: {} })), 'InvalidParameterException', [
    'logConfiguration must be specified when logging is OVERRIDE',
  ]);
  throwsEcs(t, () => updateCluster(ctx, exec({ logging: 'DEFAULT', logConfiguration: { s3BucketName: 'b' } })), 'InvalidParameterException', [
    'configuration.executeCommandConfiguration.logConfiguration can only be specified when logging is OVERRIDE',
  ]);
  throwsEcs(t, () => updateCluster(ctx, exec({ logConfiguration: { s3BucketName: 'b' } })), 'InvalidParameterException', ['only be specified when logging is OVERRIDE']);
  throwsEcs(t, () => updateCluster(ctx, req({ settings: [{ name: 'x', value: 'y' }] })), 'InvalidParameterException', ["Invalid setting name: 'x'"]);
  t.notOk(ctx.store.getCluster('default')!.configuration, 'nothing changed');
});
