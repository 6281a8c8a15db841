#!/usr/bin/env bash
# Builds the sample image ecs-sample/hello:latest locally: busybox httpd serving a page on port 80.
# Needs no registry when busybox is installed (Debian: busybox-static); otherwise starts from a pulled
# busybox image.
set -euo pipefail
tag=${1:-ecs-sample/hello:latest}
version=2 # bump when the image changes, so that an older local copy is rebuilt
have=$(docker image inspect -f '{{index .Config.Labels "ecs-sample.version"}}' "$tag" 2>/dev/null || true)
if [ "$have" = "$version" ] && [ "${REBUILD:-}" != 1 ]; then exit 0; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bb=$(command -v busybox || true)
[ -n "$bb" ] || { [ -x /bin/busybox ] && bb=/bin/busybox; }
# Only a static busybox runs in an image FROM scratch (ldd fails on static executables).
if [ -n "$bb" ] && ! ldd "$bb" >/dev/null 2>&1; then
  cp "$bb" "$dir/busybox"
  base='FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox","--install","-s","/bin"]'
else
  base='FROM busybox:stable'
fi
cat > "$dir/Dockerfile" <<DOCKERFILE
$base
RUN mkdir -p /www && printf '<html><body><h1>Hello from a self-hosted ECS task</h1></body></html>\n' > /www/index.html
LABEL ecs-sample.version=$version
EXPOSE 80
# As PID 1, httpd would ignore SIGTERM and every stop would wait for the stop timeout: exit on TERM.
CMD ["sh","-c","trap 'exit 0' TERM; httpd -f -v -p 80 -h /www & wait"]
DOCKERFILE
docker build -q -t "$tag" "$dir" >/dev/null
echo "built $tag"
