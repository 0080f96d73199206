/**
 * Board and link emulation for `edgefl sim` (a later issue): slow CPUs, lossy and
 * rate-limited radio links. Empty for now. The lab runner (`runExperiment`) lives in
 * apps/lab, above the gateway and agent it runs; this package sits below the apps and
 * imports none of them.
 */
export {};
