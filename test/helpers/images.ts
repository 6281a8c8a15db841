// Builds the test images locally, FROM scratch with Debian's busybox-static: no registry needed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, copyFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];

export function busyboxPath(): string {
  const p = BUSYBOX_PATHS.find((x) => existsSync(x));
  if (!p) throw new Error('busybox is missing: install Debian\'s busybox-static (apt-get install busybox-static)');
  return p;
}

export function imageExists(tag: string): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds `tag` from scratch with busybox installed, plus an /www/index.html that says `hello from <tag>`,
 * and a default command serving it with httpd on port 80. Returns the tag.
 */
export function buildBusyboxImage(tag: string, opts: { rebuild?: boolean } = {}): string {
  if (!opts.rebuild && imageExists(tag)) return tag;
  const dir = mkdtempSync(join(tmpdir(), 'ecs-img-'));
  try {
    copyFileSync(busyboxPath(), join(dir, 'busybox'));
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY busybox /bin/busybox',
        'RUN ["/bin/busybox","--install","-s","/bin"]',
        `RUN mkdir -p /www /tmp && echo "hello from ${tag}" > /www/index.html`,
        'CMD ["httpd","-f","-p","80","-h","/www"]',
        '',
      ].join('\n'),
    );
    execFileSync('docker', ['build', '-q', '-t', tag, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    return tag;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The stand-in for a public image: built from busybox and tagged with the public name, unless present. */
export function ensureStandIn(publicTag: string): string {
  if (imageExists(publicTag)) return publicTag;
  const local = buildBusyboxImage('ecs-test/busybox-httpd:latest');
  execFileSync('docker', ['tag', local, publicTag]);
  return publicTag;
}
