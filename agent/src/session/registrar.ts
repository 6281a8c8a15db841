// RegisterContainerInstance, keeping the identity in ECS_DATADIR: the first registration stores the
// container instance ARN the control plane returns; every later one (a reconnect, a restart) sends it back
// and must get the same ARN, since the engine's containers are labelled with it.
import type { RegisterContainerInstanceRequest } from '../../../proto/gen/ecs/v1/RegisterContainerInstanceRequest.js';
import type { Identity, IdentityStore } from '../state/identity.js';
import type { Logger } from '../util/logger.js';
import { FatalSessionError, type Registration } from './session.js';
import type { ControlPlaneTransport } from './transport.js';

export interface RegistrarOptions {
  transport: ControlPlaneTransport;
  store: IdentityStore;
  identity: Identity;
  /** Builds the request for the current identity (resources and attributes are read at start). */
  buildRequest: (identity: Identity) => RegisterContainerInstanceRequest;
  logger: Logger;
  timeoutMs?: number;
}

export class Registrar {
  private identity: Identity;

  constructor(private readonly o: RegistrarOptions) {
    this.identity = o.identity;
  }

  get current(): Identity {
    return this.identity;
  }

  async register(): Promise<Registration> {
    let res;
    try {
      res = await this.o.transport.register(this.o.buildRequest(this.identity), this.o.timeoutMs ?? 10_000);
    } catch (err) {
      // A refusal of the identity itself (ClientException: the instance was deregistered) will not go
      // away by retrying; anything else (the control plane is down, a timeout) might.
      const exception = (err as { metadata?: { get(k: string): unknown[] } }).metadata?.get('x-ecs-exception')?.[0];
      if (this.identity.containerInstanceArn && String(exception) === 'ClientException') {
        throw new FatalSessionError(`registration refused: ${(err as { details?: string }).details ?? String(err)}`);
      }
      throw err;
    }
    const arn = res.containerInstance?.containerInstanceArn;
    if (!arn) throw new Error('RegisterContainerInstance returned no container instance ARN');
    const known = this.identity.containerInstanceArn;
    if (known && known !== arn) {
      throw new FatalSessionError(
        `the control plane registered this host as ${arn}, but it is ${known}; ` +
          'it may have been deregistered: remove the data dir to join as a new container instance',
      );
    }
    if (!known || this.identity.clusterArn !== res.clusterArn) {
      this.identity = { ...this.identity, containerInstanceArn: arn, clusterArn: res.clusterArn };
      this.o.store.save(this.identity);
      this.o.logger.info({ containerInstanceArn: arn, clusterArn: res.clusterArn }, 'registered container instance');
    }
    return { containerInstanceArn: arn, clusterArn: res.clusterArn };
  }
}
