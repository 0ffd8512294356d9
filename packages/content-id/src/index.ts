export {
  BLAKE3_ABOVE,
  algorithmForSize,
  contentHasher,
  contentIdOf,
  hasherFor,
  isContentId,
  parseContentId,
  type ContentAlgorithm,
  type ContentHasher,
} from './content-id.js'
