// parseTaskDefinitionRef: 'family', 'family:revision' and the full task-definition ARN.
import t from 'tap';
import { InvalidParameterException, type EcsError } from '../../../../control-plane/src/domain/errors.js';
import { parseTaskDefinitionRef } from '../../../../control-plane/src/domain/task-definition.js';

t.test('accepted references', async (t) => {
  const cases: { input: string; want: { family: string; revision?: number } }[] = [
    { input: 'web', want: { family: 'web' } },
    { input: 'hello-server_2', want: { family: 'hello-server_2' } },
    { input: 'web:1', want: { family: 'web', revision: 1 } },
    { input: 'web:42', want: { family: 'web', revision: 42 } },
    { input: 'web:007', want: { family: 'web', revision: 7 } },
    { input: '  web:3  ', want: { family: 'web', revision: 3 } },
    { input: `${'f'.repeat(255)}:2`, want: { family: 'f'.repeat(255), revision: 2 } },
    { input: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3', want: { family: 'web', revision: 3 } },
    { input: 'arn:aws:ecs:local:000000000000:task-definition/hello-server:12', want: { family: 'hello-server', revision: 12 } },
    { input: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web', want: { family: 'web' } },
  ];
  for (const tc of cases) {
    t.test(`'${tc.input}'`, async (t) => t.strictSame(parseTaskDefinitionRef(tc.input), tc.want));
  }
});

t.test('rejected references are InvalidParameterExceptions naming the taskDefinition field or ECS\'s revision wording', async (t) => {
  const cases: { input: string; cls: new (m: string) => EcsError; fragments: string[] }[] = [
    { input: '', cls: InvalidParameterException, fragments: ['TaskDefinition can not be blank', "'taskDefinition'"] },
    { input: '   ', cls: InvalidParameterException, fragments: ['TaskDefinition can not be blank'] },
    { input: 'web:latest', cls: InvalidParameterException, fragments: ['Invalid revision number. Number: latest', "'taskDefinition'"] },
    { input: 'web:0', cls: InvalidParameterException, fragments: ['Invalid revision number. Number: 0'] },
    { input: 'web:-1', cls: InvalidParameterException, fragments: ['Invalid revision number. Number: -1'] },
    { input: 'web:1.5', cls: InvalidParameterException, fragments: ['Invalid revision number. Number: 1.5'] },
    { input: 'web:', cls: InvalidParameterException, fragments: ['Invalid revision number. Number: '] },
    { input: 'web:99999999999', cls: InvalidParameterException, fragments: ['Invalid revision number. Number: 99999999999'] },
    { input: 'my web', cls: InvalidParameterException, fragments: ["'taskDefinition'", 'family must match'] },
    { input: ':3', cls: InvalidParameterException, fragments: ["'taskDefinition'", 'family must match'] },
    { input: 'a:b:3', cls: InvalidParameterException, fragments: ["'taskDefinition'", 'family must match'] },
    { input: `${'f'.repeat(256)}:1`, cls: InvalidParameterException, fragments: ["'taskDefinition'", '255'] },
    { input: 'arn:aws:ecs:us-east-1:123456789012:cluster/default', cls: InvalidParameterException, fragments: ["Invalid 'taskDefinition' ARN", 'cluster/default'] },
    { input: 'arn:aws:ecs:us-east-1:123456789012:task-definition/a/b:1', cls: InvalidParameterException, fragments: ["Invalid 'taskDefinition' ARN"] },
    { input: 'arn:aws:ecs:us-east-1:123456789012:task-definition', cls: InvalidParameterException, fragments: ["Invalid 'taskDefinition' ARN"] },
    { input: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:x', cls: InvalidParameterException, fragments: ['Invalid revision number. Number: x'] },
  ];
  for (const tc of cases) {
    t.test(`'${tc.input}' is a ${tc.cls.name}`, async (t) => {
      let err: unknown;
      try {
        parseTaskDefinitionRef(tc.input);
      } catch (e) {
        err = e;
      }
      t.ok(err instanceof tc.cls, `throws ${tc.cls.name}, got ${String(err)}`);
      const message = err instanceof Error ? err.message : '';
      for (const f of tc.fragments) t.ok(message.includes(f), `message names ${f}: ${message}`);
    });
  }
});
