import type { Store } from '../store/store.js'
import type { RegistryServices } from './registry.js'
import { GatesService } from './gates.js'
import { DeploymentsService } from './deployments.js'

/** Continuous delivery over the registry: gate results, and deploy / rollback / history of aliases. */
export class DeliveryServices {
  readonly gates: GatesService
  readonly deployments: DeploymentsService

  constructor(store: Store, registry: RegistryServices) {
    this.gates = new GatesService(store, registry)
    this.deployments = new DeploymentsService(store, registry)
  }
}
