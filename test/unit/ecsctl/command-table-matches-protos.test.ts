import t from 'tap';
import { COMMANDS, requestMessage, responseMessage, SESSION_STREAM_RPCS, type FlagType } from '../../../ecsctl/src/commands/table.js';
import { ecsShapes, isScalar, type Shape } from '../../../ecsctl/src/schema/shapes.js';

function flagTypeOf(shape: Shape): FlagType {
  if (shape.type === 'list') return isScalar(shape.member) ? 'list' : 'list-structure';
  if (shape.type === 'structure' || shape.type === 'map' || shape.type === 'boolean') return shape.type;
  if (shape.type === 'integer' || shape.type === 'long') return 'integer';
  return 'string';
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

t.test('one command per EcsControlPlane RPC, named as aws ecs names it', async (t) => {
  // StartSession is execute-command's data stream, opened by its runner: no command of its own.
  const rpcs = ecsShapes().methods('EcsControlPlane').filter((m) => !SESSION_STREAM_RPCS.includes(m));
  t.same(COMMANDS.map((c) => c.rpc).sort(), [...rpcs].sort());
  t.same(SESSION_STREAM_RPCS, ['StartSession']);
  t.ok(COMMANDS.find((c) => c.name === 'execute-command')?.session, 'execute-command runs a session');
  // Streaming commands are beyond aws ecs and named for people: GetLogs → logs (`get-` dropped).
  for (const c of COMMANDS) t.equal(c.name, kebab(c.rpc).slice(1).replace(c.streaming ? /^get-/ : /^$/, ''), c.rpc);
});

t.test('streaming commands are exactly the server-streaming RPCs', async (t) => {
  const streaming = COMMANDS.filter((c) => c.streaming).map((c) => c.rpc);
  t.same(streaming.sort(), ecsShapes().streamingMethods('EcsControlPlane').filter((m) => !SESSION_STREAM_RPCS.includes(m)).sort());
  t.ok(streaming.includes('GetLogs'));
});

t.test("every flag sets a field of the RPC's request, with the field's type", async (t) => {
  for (const c of COMMANDS) {
    const req = ecsShapes().structure(requestMessage(c));
    ecsShapes().structure(responseMessage(c));
    for (const f of c.flags) {
      const shape = req.members.get(f.field);
      if (f.local) {
        t.ok(c.streaming, `${c.name} ${f.flag}: only streaming commands have local flags`);
        t.notOk(shape, `${c.name} ${f.flag} is local: not a field of ${req.name}`);
        continue;
      }
      t.ok(shape, `${c.name} ${f.flag} → ${req.name}.${f.field}`);
      if (shape) t.equal(f.type, flagTypeOf(shape), `${c.name} ${f.flag} type`);
      // aws names a flag after its field; a streaming command may name it for people (--service → serviceName).
      if (!c.streaming) t.equal(f.flag, `--${kebab(f.field)}`, `${c.name} ${f.flag} is the kebab-case of ${f.field}`);
    }
  }
});

t.test('every request field has a flag (nothing is reachable only through --cli-input-json)', async (t) => {
  for (const c of COMMANDS) {
    const req = ecsShapes().structure(requestMessage(c));
    const fields = new Set(c.flags.filter((f) => !f.local).map((f) => f.field));
    for (const name of req.members.keys()) t.ok(fields.has(name), `${c.name} has a flag for ${name}`);
  }
});

t.test('paginated commands name a list of the response and the token fields of request and response', async (t) => {
  for (const c of COMMANDS.filter((x) => x.paginate)) {
    const p = c.paginate!;
    const req = ecsShapes().structure(requestMessage(c));
    const res = ecsShapes().structure(responseMessage(c));
    t.equal(res.members.get(p.resultKey)?.type, 'list', `${c.name} ${p.resultKey}`);
    t.ok(res.members.has(p.outputToken) && req.members.has(p.inputToken) && req.members.has(p.limitKey), c.name);
  }
});
