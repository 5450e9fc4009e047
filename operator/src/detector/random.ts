/**
 * The detector's seeded generator is the project's one PRNG (random.ts): weight initialisation,
 * shuffles and the synthetic series draw from it, so a seed reproduces a model exactly.
 */
export { createRng, shuffledIndices, type Rng } from '../random.js';
