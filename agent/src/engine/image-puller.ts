// ECS_IMAGE_PULL_BEHAVIOR, as in amazon-ecs-agent:
// - default: pull; when the pull fails, use the cached image if there is one;
// - always: pull; a failed pull fails the container;
// - once: pull only if this agent has not pulled the image before (or it is gone from the cache);
// - prefer-cached: use the cached image if there is one, else pull.
// Concurrent pulls of the same image share one request.
import type { ImagePullBehavior } from '../config/options.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Logger } from '../util/logger.js';

export type PullOutcome = { ok: true; source: 'pulled' | 'cache' } | { ok: false; reason: string };

export const PULL_ERROR_PREFIX = 'CannotPullContainerError: ';

export class ImagePuller {
  private readonly inFlight = new Map<string, Promise<PullOutcome>>();
  /** Images this agent has pulled (for `once`; kept for the life of the process). */
  private readonly pulled = new Set<string>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly behavior: ImagePullBehavior,
    private readonly logger: Logger,
  ) {}

  ensure(image: string): Promise<PullOutcome> {
    let p = this.inFlight.get(image);
    if (!p) {
      p = this.decide(image).finally(() => this.inFlight.delete(image));
      this.inFlight.set(image, p);
    }
    return p;
  }

  private async decide(image: string): Promise<PullOutcome> {
    if (this.behavior === 'prefer-cached' && (await this.cached(image))) return { ok: true, source: 'cache' };
    if (this.behavior === 'once' && this.pulled.has(image) && (await this.cached(image))) return { ok: true, source: 'cache' };
    try {
      await this.runtime.pullImage(image);
      this.pulled.add(image);
      return { ok: true, source: 'pulled' };
    } catch (err) {
      const message = (err as Error).message;
      if (this.behavior !== 'always' && (await this.cached(image))) {
        this.logger.warn({ image, err: message }, 'image pull failed; using the cached image');
        return { ok: true, source: 'cache' };
      }
      return { ok: false, reason: PULL_ERROR_PREFIX + message };
    }
  }

  private async cached(image: string): Promise<boolean> {
    try {
      return await this.runtime.imageExists(image);
    } catch {
      return false;
    }
  }
}
