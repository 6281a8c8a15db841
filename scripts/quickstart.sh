#!/usr/bin/env bash
# Local cluster in one command: a control plane (embedded SQLite) and one agent on the local Docker
# engine, then the sample task (deploy/samples/hello-server.json) running and answering HTTP.
#   npm run quickstart          bring it up
#   npm run quickstart:down     stop the sample tasks, the agent and the control plane
set -euo pipefail
cd "$(dirname "$0")/.."
state=.quickstart
endpoint=${ECSCTL_ENDPOINT:-127.0.0.1:7400}
export ECSCTL_ENDPOINT=$endpoint
ecsctl() { node dist/ecsctl/src/main.js "$@"; }

alive() { [ -f "$state/$1.pid" ] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

down() {
  if alive control-plane; then
    local tasks
    tasks=$(ecsctl list-tasks --query 'taskArns[]' --output text 2>/dev/null || true)
    for t in $tasks; do
      ecsctl stop-task --task "$t" --reason 'quickstart down' >/dev/null || true
    done
    # The agent stops the containers; wait until it says they are STOPPED before stopping it.
    if [ -n "$tasks" ] && alive agent; then
      for _ in $(seq 1 60); do
        left=$(ecsctl describe-tasks --tasks $tasks --query 'tasks[?lastStatus!=`STOPPED`].taskArn' --output text 2>/dev/null || true)
        [ -z "$left" ] && break
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
task=$(ecsctl run-task --task-definition hello-server --count 1 --started-by quickstart \
  --query 'tasks[0].taskArn' --output text)
echo "started $task"
running() { [ "$(ecsctl describe-tasks --tasks "$task" --query 'tasks[0].lastStatus' --output text)" = RUNNING ]; }
wait_for "the task to be RUNNING" running
port=$(ecsctl describe-tasks --tasks "$task" --query 'tasks[0].containers[0].networkBindings[0].hostPort' --output text)
echo "the task is RUNNING; its container's port 80 is published on host port $port:"
curl -fsS "http://127.0.0.1:$port/" || wget -qO- "http://127.0.0.1:$port/"
cat <<EOT

Try:
  npx ecsctl describe-tasks --tasks $task
  npx ecsctl list-container-instances
  npx ecsctl run-task --task-definition hello-server --count 2
  npx ecsctl stop-task --task $task --reason 'done'
Logs: $state/control-plane.log, $state/agent.log.  Stop everything: npm run quickstart:down
EOT
