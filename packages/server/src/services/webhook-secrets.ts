import { InvalidParameterError } from '@railyard/api'
import { SecretBox } from './datasets/secret-box.js'

// Marks a sealed value; a row without it is a plaintext secret stored before encryption existed.
const SEALED = 'sealed:'

/**
 * Webhook signing secrets at rest: encrypted with AES-256-GCM under RAILYARD_SECRET_KEY (the key
 * datastore credentials use) when the server has one, else stored as given, as they always were.
 * Plaintext rows stay readable, and are sealed by `sealIfPlain` once a key is set.
 */
export class WebhookSecrets {
  private readonly box: SecretBox

  constructor(secretKey: string | undefined) {
    this.box = new SecretBox(secretKey)
  }

  get encrypting(): boolean {
    return this.box.available
  }

  seal(plain: string): string {
    if (plain.startsWith(SEALED)) throw new InvalidParameterError(`A webhook secret may not start with '${SEALED}'`)
    return this.box.available ? SEALED + this.box.seal(plain) : plain
  }

  /** The secret itself. Throws InvalidParameterError when it was sealed under another key or none is set. */
  open(stored: string): string {
    return stored.startsWith(SEALED) ? this.box.open(stored.slice(SEALED.length), 'webhook secret') : stored
  }

  /** The sealed form of a plaintext row when there is a key; undefined when nothing is to change. */
  sealIfPlain(stored: string): string | undefined {
    return this.box.available && !stored.startsWith(SEALED) ? SEALED + this.box.seal(stored) : undefined
  }
}
