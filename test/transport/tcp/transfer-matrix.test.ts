/**
 * A seeded sample of the transfer matrix (see ./matrix.ts) over the fake network, each case over
 * IPv4 and again over IPv6. The seed is
 * printed; TINKERNET_SEED=<seed> repeats a run.
 */
import { test } from "node:test";
import { picker, randomCase, runCase, runSeed } from "./matrix.js";

const seed = runSeed("transfer matrix");
const random = picker(seed);
const CASES = Number(process.env.TINKERNET_MATRIX_CASES ?? 40);

for (let i = 0; i < CASES; i++) {
  const c = randomCase(random);
  test(`matrix case ${i + 1}`, () => {
    console.log(runCase(c));
  });
  // The same case over IPv6 (40-octet headers: a smaller MSS, IPv6 pseudo-header checksums).
  test(`matrix case ${i + 1} over IPv6`, () => {
    console.log(runCase(c, 6));
  });
}
