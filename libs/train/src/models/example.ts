import { fileURLToPath } from 'node:url';

/**
 * Path of the small inference CNN shipped with the package (8×8 digits, 10 logits),
 * built by libs/train/scripts/make-example-model.ts. Resolves the same from src/ and dist/.
 */
export function exampleModelPath(): string {
  return fileURLToPath(new URL('../../models/digits-cnn.onnx', import.meta.url));
}
