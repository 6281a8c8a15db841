// Properties of the reconciler over simulated histories (reconciler-sim.ts): random configurations, desired
// counts, deployments, draining and disconnected instances, tasks failing to start, turning unhealthy,
// crashing. After every reconcile:
//  - never more than floor(desired × maximumPercent / 100) tasks RUNNING or PENDING once the plan is applied
//    (or no more than before, when the service was already above it and the plan starts nothing);
//  - never fewer than ceil(desired × minimumHealthyPercent / 100) healthy tasks by the scheduler's own stops
//    (or no fewer than before, when it was already below);
//  - exactly one PRIMARY deployment;
//  - placements never overcommit CPU, memory or static ports, and only go to ACTIVE, connected instances;
//  - stops name live tasks meant to run, once; lost tasks are not also stopped.
// And liveness: with a configuration that allows progress and agents that start every task, any history
// ends, once left alone, in a steady state on the newest deployment.
import t from 'tap';
import fc from 'fast-check';
import { reconcile } from '../../../../control-plane/src/scheduler/reconciler.js';
import type { Plan, ReconcileInput, ServiceTask } from '../../../../control-plane/src/scheduler/types.js';
import { holds } from '../fixtures.js';
import { Sim, type Behaviour } from './reconciler-sim.js';

const PENDING = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);
const counted = (t: ServiceTask) => t.desiredStatus === 'RUNNING' && (t.lastStatus === 'RUNNING' || PENDING.has(t.lastStatus));
const healthy = (t: ServiceTask) => t.desiredStatus === 'RUNNING' && t.lastStatus === 'RUNNING' && (!t.hasHealthCheck || t.healthStatus === 'HEALTHY');

/** Returns what is wrong with the plan, or undefined. */
function violation(inp: ReconcileInput, plan: Plan): string | undefined {
  const svc = inp.service;
  const lost = new Set(plan.lost.map((l) => l.taskArn));
  const live = inp.tasks.filter((x) => x.lastStatus !== 'STOPPED' && !lost.has(x.arn));
  const stopped = new Set(plan.stop.map((s) => s.taskArn));
  if (stopped.size !== plan.stop.length) return 'a task stopped twice';
  for (const s of plan.stop) {
    const x = live.find((y) => y.arn === s.taskArn);
    if (!x || x.desiredStatus !== 'RUNNING') return `stop of ${s.taskArn}, not a live task meant to run`;
  }
  if (plan.deployments.filter((d) => d.status === 'PRIMARY').length !== 1) return 'not exactly one PRIMARY';
  const primary = plan.deployments.find((d) => d.status === 'PRIMARY')!;
  if (plan.start.some((s) => s.deploymentId !== primary.id)) return 'a start of a non-PRIMARY deployment';

  const D = svc.status === 'ACTIVE' ? svc.desiredCount : 0;
  const maxTotal = Math.floor((D * svc.deploymentConfiguration.maximumPercent) / 100);
  const before = live.filter(counted).length;
  const after = before - live.filter((x) => counted(x) && stopped.has(x.arn)).length + plan.start.length;
  if (after > Math.max(maxTotal, before) || (plan.start.length > 0 && after > maxTotal)) return `${after} running or pending, max ${maxTotal} (before ${before})`;

  if (svc.status === 'ACTIVE') {
    const minHealthy = Math.ceil((D * svc.deploymentConfiguration.minimumHealthyPercent) / 100);
    const hBefore = live.filter(healthy).length;
    const hAfter = hBefore - live.filter((x) => healthy(x) && stopped.has(x.arn)).length;
    if (hAfter < Math.min(hBefore, minHealthy)) return `${hAfter} healthy after the scheduler's stops, min ${minHealthy} (before ${hBefore})`;
  }
  return overcommit(inp, plan);
}

function overcommit(inp: ReconcileInput, plan: Plan): string | undefined {
  const left = new Map(inp.instances.map((i) => [i.arn, { cpu: i.remaining.cpu, memory: i.remaining.memory, ports: new Set(i.remaining.tcpPorts), i }]));
  for (const s of plan.start) {
    const r = left.get(s.instanceArn);
    if (!r || r.i.status !== 'ACTIVE' || !r.i.agentConnected) return `a start on ${s.instanceArn}, not ACTIVE and connected`;
    const needs = plan.deployments.find((d) => d.id === s.deploymentId)!.needs;
    r.cpu -= needs.cpu;
    r.memory -= needs.memory;
    if (r.cpu < 0 || r.memory < 0) return `overcommitted ${s.instanceArn}`;
    for (const p of needs.tcpPorts) {
      if (r.ports.has(p)) return `port ${p} twice on ${s.instanceArn}`;
      r.ports.add(p);
    }
  }
  return undefined;
}

type Action =
  | { kind: 'scale'; to: number }
  | { kind: 'deploy'; ports: boolean }
  | { kind: 'drain' | 'disconnect' | 'reconnect'; k: number }
  | { kind: 'add' | 'delete' | 'wait' };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 30, arbitrary: fc.constant({ kind: 'wait' as const }) },
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 8 }).map((to) => ({ kind: 'scale' as const, to })) },
  { weight: 10, arbitrary: fc.boolean().map((ports) => ({ kind: 'deploy' as const, ports })) },
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 5 }).map((k) => ({ kind: 'drain' as const, k })) },
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 5 }).map((k) => ({ kind: 'disconnect' as const, k })) },
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 5 }).map((k) => ({ kind: 'reconnect' as const, k })) },
  { weight: 5, arbitrary: fc.constant({ kind: 'add' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'delete' as const }) },
);

function act(sim: Sim, a: Action): void {
  if (a.kind === 'scale' && sim.svc.status === 'ACTIVE') sim.scale(a.to);
  else if (a.kind === 'deploy' && sim.svc.status === 'ACTIVE') sim.deploy({ cpu: 128, memory: 256, tcpPorts: a.ports ? [8080] : [], udpPorts: [] });
  else if (a.kind === 'drain') sim.drain(a.k);
  else if (a.kind === 'disconnect') sim.disconnect(a.k);
  else if (a.kind === 'reconnect') sim.reconnect(a.k);
  else if (a.kind === 'add') sim.addInstance();
  else if (a.kind === 'delete') sim.deleteService();
}

const configArb = fc.record({
  min: fc.constantFrom(0, 25, 50, 75, 100),
  max: fc.constantFrom(100, 125, 150, 200),
  breaker: fc.boolean(),
  rollback: fc.boolean(),
  grace: fc.constantFrom(0, 30),
});

const behaviourArb: fc.Arbitrary<Behaviour> = fc.record({
  failStart: fc.constantFrom(0, 0.1, 0.5),
  start: fc.constantFrom(0.5, 0.9),
  healthCheck: fc.boolean(),
  turnUnhealthy: fc.constantFrom(0, 0.05, 0.3),
  crash: fc.constantFrom(0, 0.05),
});

t.test('invariants hold after every reconcile of random histories', async (t) => {
  holds(
    t,
    fc.property(
      fc.integer(),
      configArb,
      behaviourArb,
      fc.integer({ min: 0, max: 6 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(actionArb, { minLength: 5, maxLength: 40 }),
      (seed, c, b, desired, instances, actions) => {
        const sim = new Sim(
          seed,
          {
            desiredCount: desired,
            healthCheckGracePeriodSeconds: c.grace,
            deploymentConfiguration: { minimumHealthyPercent: c.min, maximumPercent: c.max, circuitBreaker: { enable: c.breaker, rollback: c.rollback } },
          },
          instances,
          b,
        );
        for (const a of actions) {
          act(sim, a);
          if (sim.svc.status === 'INACTIVE') return true;
          const inp = sim.input();
          const plan = reconcile(inp);
          const wrong = violation(inp, plan);
          if (wrong) throw new Error(`${wrong} after ${JSON.stringify(a)}`);
          sim.apply(plan);
          sim.evolve(1 + Math.floor(sim.rnd() * 20));
        }
        return true;
      },
    ),
    { numRuns: 300 },
  );
});

t.test('liveness: left alone with healthy agents, every history ends steady on the newest deployment', async (t) => {
  holds(
    t,
    fc.property(
      fc.integer(),
      configArb.filter((c) => c.min < 100 || c.max > 100),
      fc.integer({ min: 1, max: 6 }),
      fc.array(actionArb.filter((a) => a.kind !== 'delete' && a.kind !== 'disconnect'), { maxLength: 20 }),
      (seed, c, desired, actions) => {
        const sim = new Sim(
          seed,
          { desiredCount: desired, deploymentConfiguration: { minimumHealthyPercent: c.min, maximumPercent: c.max, circuitBreaker: { enable: false, rollback: false } } },
          4,
        );
        for (const a of actions) {
          act(sim, a);
          sim.apply(reconcile(sim.input()));
          sim.evolve(5);
        }
        // Left alone: enough room for the service (one ACTIVE instance per task and more).
        for (let k = 0; k < 8; k++) sim.addInstance();
        for (let k = 0; k < 60; k++) {
          sim.apply(reconcile(sim.input()));
          sim.evolve(5);
        }
        const D = sim.svc.desiredCount;
        const minH = Math.ceil((D * c.min) / 100);
        const maxT = Math.floor((D * c.max) / 100);
        if (D > 0 && maxT <= minH) return true; // such a desired count blocks replacements (ECS says so)
        const primary = sim.svc.deployments.find((d) => d.status === 'PRIMARY')!;
        const live = sim.tasks.filter((x) => x.lastStatus !== 'STOPPED');
        const ok =
          primary.rolloutState === 'COMPLETED' &&
          live.length === D &&
          live.every((x) => x.deploymentId === primary.id) &&
          sim.svc.deployments.every((d) => d.status !== 'ACTIVE') &&
          sim.svc.recentEventMessages[0] === '(service web) has reached a steady state.';
        if (!ok) throw new Error(`not steady: ${JSON.stringify({ D, primary, live: live.map((x) => [x.deploymentId, x.lastStatus, x.instanceArn]), events: sim.svc.recentEventMessages })}`);
        return true;
      },
    ),
    { numRuns: 200 },
  );
});

t.test('DAEMON: at most one task of the PRIMARY deployment per instance, never overcommitted', async (t) => {
  holds(
    t,
    fc.property(fc.integer(), configArb, behaviourArb, fc.integer({ min: 1, max: 4 }), fc.array(actionArb, { minLength: 5, maxLength: 30 }), (seed, c, b, n, actions) => {
      const sim = new Sim(
        seed,
        {
          schedulingStrategy: 'DAEMON',
          desiredCount: 0,
          deploymentConfiguration: { minimumHealthyPercent: c.min, maximumPercent: 100, circuitBreaker: { enable: c.breaker, rollback: c.rollback } },
        },
        n,
        b,
      );
      for (const a of actions) {
        if (a.kind !== 'scale') act(sim, a);
        if (sim.svc.status === 'INACTIVE') return true;
        const inp = sim.input();
        const plan = reconcile(inp);
        const wrong = overcommit(inp, plan) ?? onePerInstance(inp, plan);
        if (wrong) throw new Error(`${wrong} after ${JSON.stringify(a)}`);
        sim.apply(plan);
        sim.evolve(1 + Math.floor(sim.rnd() * 20));
      }
      return true;
    }),
    { numRuns: 200 },
  );
});

function onePerInstance(inp: ReconcileInput, plan: Plan): string | undefined {
  if (plan.deployments.filter((d) => d.status === 'PRIMARY').length !== 1) return 'not exactly one PRIMARY';
  const primary = plan.deployments.find((d) => d.status === 'PRIMARY')!;
  const stopped = new Set([...plan.stop, ...plan.lost].map((s) => s.taskArn));
  const per = new Map<string, number>();
  for (const x of inp.tasks) {
    if (x.deploymentId === primary.id && counted(x) && !stopped.has(x.arn)) per.set(x.instanceArn, (per.get(x.instanceArn) ?? 0) + 1);
  }
  for (const s of plan.start) per.set(s.instanceArn, (per.get(s.instanceArn) ?? 0) + 1);
  for (const [arn, k] of per) if (k > 1) return `${k} tasks of ${primary.id} on ${arn}`;
  return undefined;
}
