#!/usr/bin/env bash
# Local cluster in one command: a control plane (embedded SQLite) and one agent on the local Docker
# engine, then the sample service (two tasks of deploy/samples/hello-server.json) answering HTTP.
#   npm run quickstart          bring it up
#   npm run quickstart:down     delete the sample service, stop tasks, the agent and the control plane
set -euo pipefail
cd "$(dirname "$0")/.."
state=.quickstart
endpoint=${ECSCTL_ENDPOINT:-127.0.0.1:7400}
export ECSCTL_ENDPOINT=$endpoint
ecsctl() { node dist/ecsctl/src/main.js "$@"; }

alive() { [ -f "$state/$1.pid" ] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

down() {
  if alive control-plane; then
    local ci
    ci=$(ecsctl list-container-instances --query 'containerInstanceArns[0]' --output text 2>/dev/null || true)
    # The scheduler stops the service's tasks; standalone tasks are stopped here.
    ecsctl delete-service --service hello --force >/dev/null 2>&1 || true
    for t in $(ecsctl list-tasks --query 'taskArns[]' --output text 2>/dev/null || true); do
      ecsctl stop-task --task "$t" --reason 'quickstart down' >/dev/null || true
    done
    # The agent stops the containers: wait until none of its containers runs before stopping it.
    if [ -n "$ci" ] && [ "$ci" != None ] && alive agent; then
      for _ in $(seq 1 60); do
        [ -z "$(docker ps -q --filter "label=com.amazonaws.ecs.container-instance-arn=$ci")" ] && break
        sleep 1
      done
    fi
  fi
  for p in agent control-plane; do
    if alive "$p"; then kill "$(cat "$state/$p.pid")"; echo "stopped $p"; fi
    rm -f "$state/$p.pid"
  done
}

wait_for() { # description, command...
  local what=$1; shift
  for _ in $(seq 1 120); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "timed out waiting for $what; see $state/*.log" >&2
  exit 1
}

if [ "${1:-up}" = down ]; then down; exit 0; fi

bash scripts/ensure-deps.sh
npm run build --silent
bash deploy/images/build-sample-image.sh
mkdir -p "$state"

if ! alive control-plane; then
  node dist/control-plane/src/main.js --listen "$endpoint" --data-dir "$state/control-plane" >"$state/control-plane.log" 2>&1 &
  echo $! >"$state/control-plane.pid"
fi
wait_for "the control plane on $endpoint" ecsctl list-clusters

if ! alive agent; then
  cat >"$state/ecs.config" <<CONFIG
ECS_CLUSTER=default
ECS_BACKEND_HOST=$endpoint
ECS_DATADIR=$PWD/$state/agent
ECS_LOGLEVEL=info
ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION=10m
CONFIG
  ECS_CONFIG_FILE="$PWD/$state/ecs.config" node dist/agent/src/main.js >"$state/agent.log" 2>&1 &
  echo $! >"$state/agent.pid"
fi
connected() {
  local ci
  ci=$(ecsctl list-container-instances --query 'containerInstanceArns[0]' --output text)
  [ -n "$ci" ] && [ "$ci" != None ] &&
    [ "$(ecsctl describe-container-instances --container-instances "$ci" --query 'containerInstances[0].agentConnected' --output text)" = True ]
}
wait_for "the agent to connect" connected

td=$(ecsctl register-task-definition --cli-input-json file://deploy/samples/hello-server.json \
  --query 'taskDefinition.taskDefinitionArn' --output text)
echo "registered $td"
if [ "$(ecsctl describe-services --services hello --query 'services[0].status' --output text 2>/dev/null)" = ACTIVE ]; then
  ecsctl update-service --service hello --task-definition hello-server --desired-count 2 --enable-execute-command >/dev/null
else
  ecsctl create-service --service-name hello --task-definition hello-server --desired-count 2 --enable-execute-command >/dev/null
fi
echo "service hello: waiting for 2 tasks to be RUNNING"
ECSCTL_WAITER_DELAY_MS=500 ecsctl wait services-stable --services hello
ports=$(ecsctl describe-tasks --tasks $(ecsctl list-tasks --service-name hello --query 'taskArns[]' --output text) \
  --query 'tasks[].containers[0].networkBindings[0].hostPort' --output text)
echo "service hello is stable; its tasks serve on host ports: $ports"
curl -fsS "http://127.0.0.1:${ports%%[[:space:]]*}/" || wget -qO- "http://127.0.0.1:${ports%%[[:space:]]*}/"
cat <<EOT

Try:
  npx ecsctl describe-services --services hello --query 'services[0].[status,desiredCount,runningCount,pendingCount,deployments[*].status]'
  npx ecsctl update-service --service hello --desired-count 4
  npx ecsctl describe-services --services hello --query 'services[0].events[:3].message'
  npx ecsctl list-tasks --service-name hello
  npx ecsctl run-task --task-definition hello-server --count 1
  npx ecsctl logs --service hello --timestamps
  npx ecsctl execute-command --task <task-id> --interactive --command sh
Logs: $state/control-plane.log, $state/agent.log.  Stop everything: npm run quickstart:down
EOT
