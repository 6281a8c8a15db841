#!/usr/bin/env bash
# Builds the sample image ecs-sample/hello:latest locally: busybox httpd serving a page on port 80.
# Needs no registry when busybox is installed (Debian: busybox-static); otherwise starts from a pulled
# busybox image.
set -euo pipefail
tag=${1:-ecs-sample/hello:latest}
if docker image inspect "$tag" >/dev/null 2>&1 && [ "${REBUILD:-}" != 1 ]; then exit 0; fi
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
EXPOSE 80
CMD ["httpd","-f","-v","-p","80","-h","/www"]
DOCKERFILE
docker build -q -t "$tag" "$dir" >/dev/null
echo "built $tag"
